"""The problems and quizzes API.

=============================================  ==========================================
``GET  /api/v1/problems/templates/``           templates with their parameter spaces
``POST /api/v1/problems/``                     ``{template, seed?, limits?}`` -> problem, no answers (seed < 2^62)
``GET  /api/v1/problems/{id}/``                your problem, no answers (never a quiz variant)
``POST /api/v1/problems/{id}/answers/``        ``{answers: {part: text}}`` -> grades + solution
``GET/POST /api/v1/quizzes/``                  list (yours, and your classes' open ones) / create (teacher)
``GET  /api/v1/quizzes/{id}/``                 a quiz (its ``base_seed`` only to its managers)
``POST /api/v1/quizzes/{id}/attempts/``        start (or resume) an attempt (learner)
``POST /api/v1/quizzes/{id}/generate/``        generate variants for learners (teacher, Celery)
``GET  /api/v1/quizzes/{id}/generation/``      the latest generation job's progress
``GET  /api/v1/quizzes/{id}/analytics/``       per question/part/misconception/parameter
``POST /api/v1/attempts/practice/``            ``{templates: [..] | "mixed", count?}``
``GET  /api/v1/attempts/{id}/``                questions and saved answers (seeds once submitted)
``PUT  /api/v1/attempts/{id}/answers/``        autosave ``{item, part, text}``
``POST /api/v1/attempts/{id}/submit/``         submit; returns the result
``GET  /api/v1/attempts/{id}/result/``         score, grades, solutions, misconceptions
=============================================  ==========================================
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons.models import GeneratedProblem, GenerationJob, Lesson, Quiz
from lessons.problems import MAX_SEED
from lessons.quizzes import bodies, selectors, services
from studysite import errors, permissions
from studysite.api_errors import error_response
from studysite.serializers import StrictSerializer


def problem_data(gp: GeneratedProblem) -> dict[str, Any]:
    data = gp.problem().to_dict(with_answers=False)
    return {"id": gp.pk, **data}


def quiz_data(quiz: Quiz, *, managed: bool) -> dict[str, Any]:
    """A quiz as the API shows it; ``base_seed`` only to those who manage it."""
    data = {
        "id": quiz.pk,
        "title": quiz.title,
        "lesson": quiz.lesson.slug,
        "teacher": quiz.teacher.username,
        "items": quiz.items,
        "questions": quiz.question_count,
        "time_limit_minutes": quiz.time_limit_minutes,
        "attempts_allowed": quiz.attempts_allowed,
        "opens_at": quiz.opens_at.isoformat() if quiz.opens_at else None,
        "due_at": quiz.due_at.isoformat() if quiz.due_at else None,
    }
    if managed:
        data["base_seed"] = quiz.base_seed
    return data


def _quiz_data_for(user: Any, quiz: Quiz) -> dict[str, Any]:
    managed = quiz.pk in selectors.quizzes_managed_among(user, [quiz])
    return quiz_data(quiz, managed=managed)


def job_data(job: GenerationJob | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {
        "id": job.pk,
        "state": job.status,  # the API's name for the job's status
        "done": job.done,
        "total": job.total,
        "created": job.created,
        "task_id": job.task_id,
        "error": job.error,
    }


def _seed_field() -> serializers.Field:
    return serializers.JSONField(required=False)


class TemplateListApi(APIView):
    """Every problem template, with its objective, section and parameter space."""

    class OutputSerializer(serializers.Serializer):
        templates = bodies.TemplateSerializer(many=True)

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response({"templates": selectors.template_catalog()})


class ProblemCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        template = serializers.CharField(max_length=64)
        seed = serializers.JSONField(required=False, allow_null=True)
        limits = serializers.JSONField(required=False, allow_null=True)

    OutputSerializer = bodies.ProblemSerializer

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        gp = services.problem_create(owner=request.user, **data.validated_data)
        return Response(problem_data(gp), status=status.HTTP_201_CREATED)


class ProblemDetailApi(APIView):
    OutputSerializer = bodies.ProblemSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, problem_id: int) -> Response:
        return Response(problem_data(selectors.problem_for(request.user, problem_id)))


class ProblemAnswerApi(APIView):
    class InputSerializer(StrictSerializer):
        answers = serializers.DictField(
            child=serializers.CharField(max_length=200, allow_blank=True)
        )

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        problem = bodies.ProblemSolvedSerializer()
        grade = bodies.GradeSerializer(help_text="Only the parts answered.")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, problem_id: int) -> Response:
        gp = selectors.problem_for(request.user, problem_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            {"id": gp.pk, **services.problem_answer(gp, data.validated_data["answers"])}
        )


class QuizListCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        lesson = serializers.SlugField()
        title = serializers.CharField(max_length=200)
        items = serializers.JSONField()
        time_limit_minutes = serializers.IntegerField(required=False, allow_null=True)
        attempts_allowed = serializers.IntegerField(required=False, default=1)
        opens_at = serializers.DateTimeField(required=False, allow_null=True)
        due_at = serializers.DateTimeField(required=False, allow_null=True)
        base_seed = serializers.IntegerField(
            required=False, allow_null=True, min_value=0, max_value=MAX_SEED
        )

    class ListOutputSerializer(serializers.Serializer):
        quizzes = bodies.QuizSerializer(many=True)

    CreateOutputSerializer = bodies.QuizSerializer

    @extend_schema(
        responses={200: ListOutputSerializer}, operation_id="v1_quizzes_list"
    )
    def get(self, request: Request) -> Response:
        quizzes = list(selectors.quizzes_for(request.user))
        managed = selectors.quizzes_managed_among(request.user, quizzes)
        return Response(
            {"quizzes": [quiz_data(q, managed=q.pk in managed) for q in quizzes]}
        )

    @extend_schema(request=InputSerializer, responses={201: CreateOutputSerializer})
    def post(self, request: Request) -> Response:
        if not permissions.can_teach(request.user):
            raise PermissionDenied("Only teachers create quizzes.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        lesson = Lesson.objects.filter(slug=fields.pop("lesson")).first()
        if lesson is None:
            raise errors.Invalid({"lesson": "No lesson with this slug."})
        quiz = services.quiz_create(teacher=request.user, lesson=lesson, **fields)
        return Response(
            _quiz_data_for(request.user, quiz), status=status.HTTP_201_CREATED
        )


class QuizDetailApi(APIView):
    OutputSerializer = bodies.QuizSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = selectors.quiz_for(request.user, quiz_id)
        return Response(_quiz_data_for(request.user, quiz))


class QuizAttemptStartApi(APIView):
    OutputSerializer = bodies.AttemptSerializer

    @extend_schema(
        request=None,
        responses={
            201: OutputSerializer,
            409: error_response("The quiz is not open, or no attempts are left."),
        },
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        quiz = selectors.quiz_for(request.user, quiz_id)
        attempt = services.attempt_start(quiz=quiz, learner=request.user)
        return Response(selectors.attempt_view(attempt), status=status.HTTP_201_CREATED)


class QuizGenerateApi(APIView):
    class InputSerializer(StrictSerializer):
        learner_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1),
            required=False,
            allow_null=True,
            max_length=10000,
        )
        base_seed = serializers.IntegerField(
            required=False, allow_null=True, min_value=0, max_value=MAX_SEED
        )

    OutputSerializer = bodies.GenerationJobSerializer

    @extend_schema(
        request=InputSerializer,
        responses={
            202: OutputSerializer,
            409: error_response("No learner is in a class the quiz is assigned to."),
            503: error_response("The task queue is unavailable."),
        },
    )
    def post(self, request: Request, quiz_id: int) -> Response:
        quiz = selectors.quiz_for(request.user, quiz_id, teacher=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.dispatch_generation(
            quiz,
            request.user,
            data.validated_data.get("learner_ids"),
            data.validated_data.get("base_seed"),
        )
        return Response(job_data(job), status=status.HTTP_202_ACCEPTED)


class QuizGenerationApi(APIView):
    class OutputSerializer(serializers.Serializer):
        job = bodies.GenerationJobSerializer(
            allow_null=True, help_text="The latest job; null: none yet."
        )

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = selectors.quiz_for(request.user, quiz_id, teacher=True)
        return Response({"job": job_data(quiz.generation_jobs.first())})


class QuizAnalyticsApi(APIView):
    OutputSerializer = bodies.AnalyticsSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, quiz_id: int) -> Response:
        quiz = selectors.quiz_for(request.user, quiz_id, teacher=True)
        return Response(selectors.quiz_analytics(quiz))


class PracticeStartApi(APIView):
    class InputSerializer(StrictSerializer):
        templates = serializers.JSONField(required=False, default="mixed")
        count = serializers.JSONField(
            required=False, default=services.PRACTICE_DEFAULT_COUNT
        )
        seed = serializers.JSONField(required=False, allow_null=True)

    OutputSerializer = bodies.AttemptSerializer

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        attempt = services.practice_start(
            learner=request.user,
            templates_=v.get("templates"),
            count=v.get("count"),
            seed=v.get("seed"),
        )
        return Response(selectors.attempt_view(attempt), status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    OutputSerializer = bodies.AttemptSerializer

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, attempt_id: int) -> Response:
        return Response(
            selectors.attempt_view(selectors.attempt_for(request.user, attempt_id))
        )


class AttemptAnswerApi(APIView):
    class InputSerializer(StrictSerializer):
        item = serializers.IntegerField(min_value=1)
        part = serializers.CharField(max_length=64)
        text = serializers.CharField(
            max_length=200, allow_blank=True, trim_whitespace=False
        )

    class OutputSerializer(serializers.Serializer):
        item = serializers.IntegerField()
        part = serializers.CharField()
        text = serializers.CharField()
        saved_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            409: error_response("The attempt is submitted."),
        },
    )
    def put(self, request: Request, attempt_id: int) -> Response:
        attempt = selectors.attempt_for(request.user, attempt_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        answer = services.answer_save(
            attempt=attempt, position=v["item"], part=v["part"], text=v["text"]
        )
        return Response(
            {
                "item": v["item"],
                "part": answer.part_key,
                "text": answer.text,
                "saved_at": answer.saved_at.isoformat(),
            }
        )

    post = put


class AttemptSubmitApi(APIView):
    OutputSerializer = bodies.AttemptSerializer

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, attempt_id: int) -> Response:
        attempt = services.attempt_submit(
            selectors.attempt_for(request.user, attempt_id)
        )
        return Response(selectors.attempt_view(attempt))


class AttemptResultApi(APIView):
    OutputSerializer = bodies.AttemptSerializer

    @extend_schema(
        responses={
            200: OutputSerializer,
            409: error_response("The attempt is not submitted yet."),
        }
    )
    def get(self, request: Request, attempt_id: int) -> Response:
        attempt = selectors.attempt_for(request.user, attempt_id)
        if not attempt.is_submitted:
            raise errors.Conflict("Submit the attempt to see its result.")
        return Response(selectors.attempt_view(attempt))
