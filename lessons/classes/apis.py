"""The classes API.

====================================================  ====================================
``GET  /api/v1/classes/``                             classes you teach and classes you are in
``POST /api/v1/classes/``                             open a class (teacher) -> join code
``GET  /api/v1/classes/{id}/``                        a class (the code only for its teacher)
``POST /api/v1/classes/join/``                        ``{code}`` -> enrollment
``POST /api/v1/classes/{id}/leave/``                  leave the class
``POST /api/v1/classes/{id}/code/``                   a new join code (teacher)
``GET  /api/v1/classes/{id}/assignments/``            the class's assignments
``POST /api/v1/classes/{id}/assignments/``            ``{deck | quiz, due_at?}`` (teacher)
``DELETE /api/v1/classes/{id}/assignments/{aid}/``    unassign (teacher)
``GET  /api/v1/classes/{id}/dashboard/``              per learner and per item (teacher)
``GET  /api/v1/classes/{id}/dashboard.csv``           the same per learner, as CSV (teacher)
``GET  /api/v1/classes/{id}/learners/{lid}/progress/``  a learner's figures on the assignments
``GET  /api/v1/assignments/``                         your assignments, soonest due first
====================================================  ====================================

A class you may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lessons.classes import dashboard, selectors, services
from lessons.models import Assignment, SchoolClass
from lessons.progress import apis as progress_apis
from lessons.progress import selectors as progress
from studysite import permissions
from studysite.serializers import StrictSerializer

# --------------------------------------------------------------------------
# Bodies shared by several operations


class ClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    teacher = serializers.CharField(help_text="The teacher's username.")
    created_at = serializers.DateTimeField()


class ClassTeacherSerializer(ClassSerializer):
    """A class as its teacher sees it: with the join code."""

    join_code = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["deck", "quiz"])
    deck = serializers.IntegerField(allow_null=True)
    quiz = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class ClassLearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class DashboardClassSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DashboardAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["deck", "quiz"])
    item_id = serializers.IntegerField(help_text="The deck's or the quiz's id.")
    title = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class DashboardObjectiveSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    cards = serializers.IntegerField()


class DashboardLearnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(help_text="Full name; may be empty.")
    reviews = serializers.IntegerField()
    retention = serializers.FloatField(allow_null=True)
    review_seconds = serializers.IntegerField()
    started_cards = serializers.IntegerField()
    due = serializers.IntegerField()
    quiz_scores = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Best score per assigned quiz id; null: not attempted.",
    )
    quiz_mean = serializers.FloatField(allow_null=True)
    mastery = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Mastery per objective key.",
    )
    last_active = serializers.DateTimeField(allow_null=True)


class DashboardCardSerializer(serializers.Serializer):
    card = serializers.IntegerField()
    deck = serializers.CharField(help_text="The deck's title.")
    front = serializers.CharField()
    learners = serializers.IntegerField()
    reviews = serializers.IntegerField()
    lapses = serializers.IntegerField()
    lapse_rate = serializers.FloatField()


class DashboardMissedPartSerializer(serializers.Serializer):
    template = serializers.CharField()
    template_title = serializers.CharField()
    part = serializers.CharField()
    part_label = serializers.CharField()
    answers = serializers.IntegerField()
    missed = serializers.IntegerField()
    miss_rate = serializers.FloatField(allow_null=True)


class DashboardMisconceptionSerializer(serializers.Serializer):
    template = serializers.CharField()
    template_title = serializers.CharField()
    part = serializers.CharField()
    part_label = serializers.CharField()
    misconception = serializers.CharField()
    misconception_title = serializers.CharField()
    count = serializers.IntegerField()
    learners = serializers.IntegerField()


class LearnerAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    class_id = serializers.IntegerField()
    class_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["deck", "quiz"])
    item_id = serializers.IntegerField()
    title = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    opens_at = serializers.DateTimeField(
        allow_null=True, help_text="Set while the quiz is not open yet."
    )
    overdue = serializers.BooleanField()
    done = serializers.BooleanField()
    url = serializers.CharField(help_text="Where to start; empty when not open.")
    post = serializers.BooleanField(help_text="Whether the url takes a POST.")


def class_data(school_class: SchoolClass, *, teacher_view: bool) -> dict[str, Any]:
    data = {
        "id": school_class.pk,
        "name": school_class.name,
        "teacher": school_class.teacher.username,
        "created_at": school_class.created_at,
    }
    if teacher_view:
        data["join_code"] = school_class.join_code
    return data


def assignment_data(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "deck": a.deck_id,
        "quiz": a.quiz_id,
        "title": a.title,
        "due_at": a.due_at,
    }


class ClassListCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        name = serializers.CharField(max_length=200)

    class ListOutputSerializer(serializers.Serializer):
        teaching = ClassTeacherSerializer(many=True)
        enrolled = ClassSerializer(many=True)

    CreateOutputSerializer = ClassTeacherSerializer

    @extend_schema(
        responses={200: ListOutputSerializer}, operation_id="v1_classes_list"
    )
    def get(self, request: Request) -> Response:
        taught = selectors.classes_taught(teacher=request.user).select_related(
            "teacher"
        )
        joined = selectors.classes_joined(learner=request.user)
        return Response(
            {
                "teaching": [class_data(c, teacher_view=True) for c in taught],
                "enrolled": [class_data(c, teacher_view=False) for c in joined],
            }
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: CreateOutputSerializer},
        operation_id="v1_classes_create",
    )
    def post(self, request: Request) -> Response:
        if not permissions.can_teach(request.user):
            raise PermissionDenied("Only teachers open classes.")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        school_class = services.class_create(
            teacher=request.user, name=data.validated_data["name"]
        )
        return Response(
            class_data(school_class, teacher_view=True), status=status.HTTP_201_CREATED
        )


class ClassDetailApi(APIView):
    class OutputSerializer(ClassSerializer):
        join_code = serializers.CharField(
            required=False, help_text="Only for the class's teacher."
        )
        assignments = AssignmentSerializer(many=True)
        learners = ClassLearnerSerializer(
            many=True, required=False, help_text="Only for the class's teacher."
        )

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, class_id: int) -> Response:
        school_class = selectors.class_for_member(user=request.user, class_id=class_id)
        teacher_view = permissions.class_manages(request.user, school_class)
        data = class_data(school_class, teacher_view=teacher_view)
        data["assignments"] = [
            assignment_data(a)
            for a in selectors.class_assignments(school_class=school_class)
        ]
        if teacher_view:
            data["learners"] = [
                {"id": u.pk, "username": u.username}
                for u in selectors.class_learners(school_class=school_class)
            ]
        return Response(data)


class ClassJoinApi(APIView):
    class InputSerializer(StrictSerializer):
        code = serializers.CharField(max_length=32)

    class OutputSerializer(serializers.Serializer):
        # "class" is a keyword: declared through the fields mapping below.
        joined_at = serializers.DateTimeField()

        def get_fields(self) -> dict[str, serializers.Field]:
            return {"class": ClassSerializer(), **super().get_fields()}

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrollment = services.class_join(
            learner=request.user, code=data.validated_data["code"]
        )
        return Response(
            {
                "class": class_data(enrollment.school_class, teacher_view=False),
                "joined_at": enrollment.joined_at,
            },
            status=status.HTTP_201_CREATED,
        )


class ClassLeaveApi(APIView):
    class OutputSerializer(serializers.Serializer):
        left_at = serializers.DateTimeField()

        def get_fields(self) -> dict[str, serializers.Field]:
            return {"class": serializers.IntegerField(), **super().get_fields()}

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, class_id: int) -> Response:
        school_class = selectors.class_for_member(user=request.user, class_id=class_id)
        enrollment = services.class_leave(
            learner=request.user, school_class=school_class
        )
        return Response({"class": school_class.pk, "left_at": enrollment.left_at})


class ClassCodeRegenerateApi(APIView):
    OutputSerializer = ClassTeacherSerializer

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request, class_id: int) -> Response:
        school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
        services.class_code_regenerate(school_class=school_class)
        return Response(class_data(school_class, teacher_view=True))


class AssignmentListCreateApi(APIView):
    class InputSerializer(StrictSerializer):
        deck = serializers.IntegerField(required=False, min_value=1)
        quiz = serializers.IntegerField(required=False, min_value=1)
        due_at = serializers.DateTimeField(required=False, allow_null=True)

    class ListOutputSerializer(serializers.Serializer):
        assignments = AssignmentSerializer(many=True)

    CreateOutputSerializer = AssignmentSerializer

    @extend_schema(
        responses={200: ListOutputSerializer},
        operation_id="v1_classes_assignments_list",
    )
    def get(self, request: Request, class_id: int) -> Response:
        school_class = selectors.class_for_member(user=request.user, class_id=class_id)
        return Response(
            {
                "assignments": [
                    assignment_data(a)
                    for a in selectors.class_assignments(school_class=school_class)
                ]
            }
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: CreateOutputSerializer},
        operation_id="v1_classes_assignments_create",
    )
    def post(self, request: Request, class_id: int) -> Response:
        school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        assignment = services.assignment_create(
            school_class=school_class,
            deck_id=fields.get("deck"),
            quiz_id=fields.get("quiz"),
            due_at=fields.get("due_at"),
        )
        return Response(assignment_data(assignment), status=status.HTTP_201_CREATED)


class AssignmentDeleteApi(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, class_id: int, assignment_id: int) -> Response:
        school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
        assignment = Assignment.objects.filter(
            pk=assignment_id, school_class=school_class
        ).first()
        if assignment is None:
            raise Http404("No such assignment.")
        services.assignment_delete(assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClassDashboardApi(APIView):
    class OutputSerializer(serializers.Serializer):
        generated_at = serializers.DateTimeField()
        due_definition = serializers.CharField()
        assignments = DashboardAssignmentSerializer(many=True)
        objectives = DashboardObjectiveSerializer(many=True)
        learners = DashboardLearnerSerializer(many=True)
        hardest_cards = DashboardCardSerializer(many=True)
        missed_parts = DashboardMissedPartSerializer(many=True)
        misconceptions = DashboardMisconceptionSerializer(many=True)

        def get_fields(self) -> dict[str, serializers.Field]:
            return {"class": DashboardClassSerializer(), **super().get_fields()}

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, class_id: int) -> Response:
        school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
        return Response(dashboard.class_dashboard(school_class=school_class))


class ClassDashboardCsvApi(APIView):
    @extend_schema(
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR, description="One row per learner."
            )
        }
    )
    def get(self, request: Request, class_id: int) -> HttpResponse:
        school_class = selectors.class_for_teacher(user=request.user, class_id=class_id)
        return dashboard_csv_response(school_class)


def dashboard_csv_response(school_class: SchoolClass) -> HttpResponse:
    data = dashboard.class_dashboard(school_class=school_class)
    response = HttpResponse(
        dashboard.class_dashboard_csv(data), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="class-{school_class.pk}-{stamp}.csv"'
    )
    return response


class ClassLearnerProgressApi(APIView):
    class OutputSerializer(progress_apis.ProgressSummarySerializer):
        retention = progress_apis.ProgressRetentionSerializer()
        forecast = progress_apis.ProgressForecastSerializer()
        mastery = progress_apis.ProgressObjectiveSerializer(many=True)
        quizzes = progress_apis.ProgressQuizHistorySerializer()

        def get_fields(self) -> dict[str, serializers.Field]:
            return {"class": serializers.IntegerField(), **super().get_fields()}

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request, class_id: int, learner_id: int) -> Response:
        school_class = selectors.class_for_member(user=request.user, class_id=class_id)
        scope = selectors.class_learner_scope(
            viewer=request.user, school_class=school_class, learner_id=learner_id
        )
        now = timezone.now()
        return Response(
            {
                "class": school_class.pk,
                **progress.summary(scope, now=now),
                "retention": progress.retention(scope, now=now),
                "forecast": progress.forecast(scope, now=now),
                "mastery": progress.mastery(scope, now=now),
                "quizzes": progress.quiz_history(scope),
            }
        )


class AssignmentMineApi(APIView):
    class OutputSerializer(serializers.Serializer):
        assignments = LearnerAssignmentSerializer(
            many=True, help_text="Soonest due first."
        )

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(
            {"assignments": selectors.assignments_for_learner(learner=request.user)}
        )
