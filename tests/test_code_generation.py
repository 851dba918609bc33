"""Code rules, the code-space bound and resumable generation."""

import re

import pytest
from sqlalchemy import func, select

from app.code_requests import check_code_space
from app.code_rules import CodeSource, alphabet_for, smallest_accepted_length
from app.errors import ValidationFailed
from app.extensions import db
from app.generation import generate_request
from app.models import Batch, CodeRequest, TraceCode
from app.models.codes import Charset, RequestStatus
from tests.factories_requests import approve, make_producer_with_product, submit


@pytest.mark.parametrize(
    ("charset", "case_sensitive", "pattern"),
    [
        ("digits", False, r"^[0-9]{10}$"),
        ("letters", False, r"^[A-Z]{10}$"),
        ("letters", True, r"^[A-Za-z]{10}$"),
        ("mixed", False, r"^[0-9A-Z]{10}$"),
        ("mixed", True, r"^[0-9A-Za-z]{10}$"),
    ],
)
def test_code_source_follows_rule(charset, case_sensitive, pattern):
    source = CodeSource(alphabet_for(charset, case_sensitive), 10)
    codes = source.codes(2000)
    assert len(codes) == 2000
    assert all(re.match(pattern, code) for code in codes)
    used = set("".join(codes))
    assert used == set(alphabet_for(charset, case_sensitive))


def test_code_source_is_uniform_over_alphabet():
    alphabet = alphabet_for("mixed", False)
    characters = CodeSource(alphabet, 1).characters(360_000).decode()
    counts = [characters.count(char) for char in alphabet]
    expected = 10_000
    # Chi-squared with 35 degrees of freedom: 80 is far beyond the 0.9999 quantile (about 72),
    # while a modulo bias of 256 % 36 would push it into the thousands.
    chi_squared = sum((count - expected) ** 2 / expected for count in counts)
    assert chi_squared < 80


def test_smallest_accepted_length_digits():
    assert smallest_accepted_length(1000, Charset.DIGITS, False) == 10
    assert smallest_accepted_length(999, Charset.DIGITS, False) == 9


def test_code_space_bound_rejects_small_space(app):
    with app.app_context(), pytest.raises(ValidationFailed) as caught:
        check_code_space(1000, Charset.DIGITS, False, 8)
    assert caught.value.field == "code_length"
    assert "100,000,000 个可能的码" in caught.value.message
    assert "每 100,000 个可能的码中就有 1 个有效" in caught.value.message
    assert "最短可接受的长度为 10" in caught.value.message


def test_code_space_counts_earlier_requests(app):
    _, owner, product_id = make_producer_with_product(app)
    submit(
        app, owner, product_id, charset="digits", code_length="10", batch_count="1", codes_per_batch="9999"
    )
    with pytest.raises(ValidationFailed) as caught:
        submit(
            app, owner, product_id, charset="digits", code_length="10", batch_count="1", codes_per_batch="1"
        )
    assert "11" in caught.value.message


def test_generation_writes_requested_codes(app):
    enterprise_id, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="3", codes_per_batch="25", batch_prefix="LOT")
    approve(app, request_id)
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.COMPLETED
        assert code_request.generated_count == 75
        batches = db.session.scalars(
            select(Batch).where(Batch.request_id == request_id).order_by(Batch.id)
        ).all()
        assert [batch.batch_number for batch in batches] == ["LOT0001", "LOT0002", "LOT0003"]
        assert all(batch.complete and batch.code_count == 25 for batch in batches)
        codes = db.session.scalars(
            select(TraceCode.code).where(TraceCode.enterprise_id == enterprise_id)
        ).all()
        assert len(codes) == 75
        assert all(re.match(r"^[0-9A-Z]{12}$", code) for code in codes)


def test_codes_unique_across_requests(app):
    _, owner, product_id = make_producer_with_product(app)
    first = submit(app, owner, product_id, batch_count="1", codes_per_batch="40")
    second = submit(app, owner, product_id, batch_count="1", codes_per_batch="40")
    approve(app, first)
    approve(app, second)
    with app.app_context():
        total = db.session.scalar(select(func.count(TraceCode.id)))
        distinct = db.session.scalar(select(func.count(func.distinct(TraceCode.code))))
        assert total == 80
        assert distinct == 80
        numbers = db.session.scalars(select(Batch.batch_number).order_by(Batch.id)).all()
        assert numbers == ["B0001", "B0002"]


class Crash(Exception):
    """Stands in for a worker killed between two chunks."""


def test_interrupted_generation_resumes_exactly(app):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="3", codes_per_batch="50")
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        code_request.status = RequestStatus.APPROVED
        db.session.commit()

    def crash_after_four_chunks(total):
        if total >= 4 * 7:
            raise Crash

    with app.app_context(), pytest.raises(Crash):
        generate_request(request_id, chunk_size=7, after_chunk=crash_after_four_chunks)
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.FAILED
        assert db.session.scalar(select(func.count(TraceCode.id))) == 28
        assert db.session.scalar(select(func.count(Batch.id)).where(Batch.complete.is_(True))) == 0

    with app.app_context():
        assert generate_request(request_id, chunk_size=7) is True
    with app.app_context():
        code_request = db.session.get(CodeRequest, request_id)
        assert code_request.status == RequestStatus.COMPLETED
        assert code_request.generated_count == 150
        assert db.session.scalar(select(func.count(TraceCode.id))) == 150
        per_batch = db.session.execute(
            select(TraceCode.batch_id, func.count()).group_by(TraceCode.batch_id)
        ).all()
        assert sorted(count for _, count in per_batch) == [50, 50, 50]


def test_completed_request_is_not_generated_again(app):
    _, owner, product_id = make_producer_with_product(app)
    request_id = submit(app, owner, product_id, batch_count="1", codes_per_batch="10")
    approve(app, request_id)
    with app.app_context():
        assert generate_request(request_id) is False
        assert db.session.scalar(select(func.count(TraceCode.id))) == 10


def fullwidth(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def test_generated_codes_found_in_every_input_form(app):
    _, owner, product_id = make_producer_with_product(app)
    insensitive = submit(app, owner, product_id, batch_count="1", codes_per_batch="3", code_length="10")
    sensitive = submit(
        app, owner, product_id, batch_count="1", codes_per_batch="3", code_length="10", case_sensitive=True
    )
    approve(app, insensitive)
    approve(app, sensitive)
    from app.lookup import find_trace_code

    with app.app_context():
        upper = db.session.scalar(select(TraceCode.code).where(TraceCode.case_sensitive.is_(False)))
        mixed_case = db.session.scalar(select(TraceCode.code).where(TraceCode.case_sensitive.is_(True)))
        forms = [
            upper,
            f"  {upper}\n",
            f"http://suyuan.test/t/{upper}?from=wx",
            fullwidth(upper),
            upper.lower(),
            f"https://other.example/t/{fullwidth(upper.lower())}/",
        ]
        for raw in forms:
            found = find_trace_code(raw)
            assert found is not None, raw
            assert found.code == upper
        assert find_trace_code(f" http://suyuan.test/t/{mixed_case} ").code == mixed_case
        if mixed_case.swapcase() != mixed_case:
            assert find_trace_code(mixed_case.swapcase()) is None
