"""``make load``'s verdict: errors and a reviews mismatch fail the run, loudly;
the answers are set against the trivial endpoint on the same server."""

from __future__ import annotations

from collections import Counter

from tests.load.report import (
    ANSWER,
    QUEUE,
    TRIVIAL,
    Row,
    acked_ids,
    locust_count_note,
    read_stats,
    reviews_stored_report,
    throughput_report,
)


def _row(name: str, requests: int, failures: int, rps: float) -> Row:
    return Row(name, requests, failures, p50=20, p99=180, rps=rps)


def _mixed(failures: int = 0) -> dict[str, Row]:
    return {
        QUEUE: _row(QUEUE, 100, 0, 2.0),
        ANSWER: _row(ANSWER, 600, failures, 10.0),
        TRIVIAL: _row(TRIVIAL, 70, 0, 1.2),
        "Aggregated": _row("Aggregated", 770, failures, 13.2),
    }


def _baseline(failures: int = 0) -> dict[str, Row]:
    return {
        TRIVIAL: _row(TRIVIAL, 1000, failures, 40.0),
        "Aggregated": _row("Aggregated", 1000, failures, 40.0),
    }


def test_the_answers_are_set_against_the_trivial_endpoint_alone(capsys):
    assert throughput_report(_mixed(), _baseline(), 60) == 0
    out = capsys.readouterr().out
    assert "answers (POST /api/v1/reviews/, mixed run of 60 s): 600, 10.0/s" in out
    assert "p50 20 ms, p99 180 ms" in out
    assert "ratio answer throughput / trivial throughput: 0.25" in out
    assert "review loop with its batch loads 12.0 req/s: 0.30" in out
    assert "errors (non-2xx, unexpected status or no answer): 0" in out


def test_errors_of_either_run_are_counted(capsys):
    assert throughput_report(_mixed(failures=3), _baseline(failures=2), 60) == 5
    assert (
        "errors (non-2xx, unexpected status or no answer): 5 (baseline 2, mixed 3)"
        in (capsys.readouterr().out)
    )


def test_a_run_without_requests_is_an_error(capsys):
    assert throughput_report({}, None, 60) == 1
    assert "no requests were made" in capsys.readouterr().out


def test_reviews_stored_equal_to_the_answers_pass(capsys):
    assert reviews_stored_report(["a", "b"], Counter({"a": 1, "b": 1})) == 0
    out = capsys.readouterr().out
    assert (
        "reviews in the database for the load's learners: 2; 201 answers the load got: 2"
        in out
    )
    assert "MISMATCH" not in out


def test_an_answer_without_its_review_is_a_mismatch(capsys):
    assert reviews_stored_report(["a", "b"], Counter({"a": 1})) == 1
    assert (
        "MISMATCH: 1 reviews stored != 2 answers acknowledged"
        in capsys.readouterr().out
    )


def test_a_review_stored_twice_is_a_mismatch(capsys):
    assert reviews_stored_report(["a", "b"], Counter({"a": 2})) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "reviews stored twice 1" in out


def test_a_review_no_answer_acknowledged_is_a_mismatch(capsys):
    # Equal counts are not enough: each row must be one of the answers.
    assert reviews_stored_report(["a", "b"], Counter({"a": 1, "z": 1})) == 1
    assert "rows no 201 acknowledged 1" in capsys.readouterr().out


def test_the_acknowledged_answers_are_read_one_a_line(tmp_path):
    acks = tmp_path / "acks.txt"
    assert acked_ids(acks) == []
    acks.write_text("a\n\nb\n")
    assert acked_ids(acks) == ["a", "b"]


def test_locusts_csv_is_read_by_endpoint(tmp_path, capsys):
    header = "Type,Name,Request Count,Failure Count,50%,99%,Requests/s\n"
    (tmp_path / "mixed_stats.csv").write_text(
        header + f"POST,{ANSWER},10,1,23,190,2.5\n,Aggregated,10,1,23,190,2.5\n"
    )
    (tmp_path / "mixed_failures.csv").write_text(
        f'Method,Name,Error,Occurrences\nPOST,{ANSWER},"409: stale",1\n'
    )
    rows = read_stats(tmp_path / "mixed")
    assert rows[ANSWER] == Row(ANSWER, 10, 1, 23.0, 190.0, 2.5)
    assert f"FAILED POST {ANSWER} x1: 409: stale" in capsys.readouterr().out


def test_answers_locust_did_not_count_are_said(capsys):
    locust_count_note(_mixed(failures=10), 590)
    assert capsys.readouterr().out == ""
    locust_count_note(_mixed(failures=10), 594)
    assert "locust's figures hold 590 successful answers; 594 were" in (
        capsys.readouterr().out
    )
