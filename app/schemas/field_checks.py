"""One validation pass (issue 16): the domain's field rules of a request body, asked of a body the schema refused.

A body that fails its request model would otherwise be told only the schema's errors, and the domain's (a zip code
of 4 digits, a username too short) after the client fixed those: two round trips for one form. The error handler
(`app/errors.py`) asks `domain_field_errors` for the rules of the route's body model, run on the fields of the body
that pass the schema on their own, and answers both sets of errors at once.

Each check here calls the domain's own function (the one the service calls on a valid body), never a copy of its
rules. Rules that need the database (a zip code's counties, a producer's states, a client in the book) are not asked
here; they come with the service's answer once the body is valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError, create_model
from pydantic.fields import FieldInfo

from app.domain.accounts import PasswordPolicy, registration_field_errors
from app.domain.delegates import delegate_field_errors
from app.domain.e_questions import e_question_field_errors
from app.domain.enrollments import section_field_errors
from app.domain.errors import FieldError
from app.domain.members import contact_phone_field_errors
from app.domain.pcp import pcp_field_errors
from app.domain.prospects import prospect_field_errors
from app.domain.quotes import ApplicantInput, DependentInput, SpouseInput, quote_field_errors
from app.schemas.accounts import RegistrationCreate
from app.schemas.delegates import DelegateCreate
from app.schemas.e_questions import EQuestionCreate
from app.schemas.enrollments import SECTION_MODELS
from app.schemas.members import ContactChangeCreate
from app.schemas.prospects import ProspectCreate, ProspectUpdate
from app.schemas.quotes import ApplicantIn, DependentIn, ProposalApplicantIn, ProposalQuoteIn, QuoteCreate, SpouseIn
from app.schemas.servicing import PcpChangeCreate


@dataclass(frozen=True)
class CheckFacts:
    """What the pure field rules need beyond the body: the day (from the app's clock) and settings."""

    today: date
    max_dependents: int
    carrier_states: tuple[str, ...] = ()
    producer_password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)


FieldCheck = Callable[[object, CheckFacts], list[FieldError]]  # the raw body -> the domain's field errors
# The longest list a request model takes is 50 items; a longer one is refused whole (and nothing in it is read).
LIST_ITEMS_READ = 50


@cache
def _field_model(model: type[BaseModel], name: str) -> type[BaseModel]:
    """A model of one field of `model`, with its type, constraints and the model's settings (trimming)."""
    info = model.model_fields[name]
    one: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{model.__name__}_{name}", __config__=model.model_config, **{name: (info.annotation, info)}
    )
    return one


def typed_fields(model: type[BaseModel], raw: object) -> dict[str, Any]:
    """The fields of a raw body that pass `model`'s schema on their own, typed as the model types them (a date as
    a date, blanks as None). Fields with an error, absent or unknown are left out."""
    if not isinstance(raw, Mapping):
        return {}
    return {name: getattr(one, name) for name, _, one in _each_field(model, raw) if one is not None}


def _each_field(model: type[BaseModel], raw: Mapping[str, Any]) -> Iterator[tuple[str, FieldInfo, BaseModel | None]]:
    """Each field of `model` present in `raw`: its name, its info, and the one-field model it validates to alone
    (None when the schema refuses it)."""
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in raw:
            continue
        try:
            yield name, info, _field_model(model, name).model_validate({key: raw[key]})
        except ValidationError:
            yield name, info, None


def _nested_model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """(model, is a list) for a field typed `Model`, `Model | None` or `list[Model]`; None otherwise."""
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is list:
        inner = _nested_model(get_args(annotation)[0]) if get_args(annotation) else None
        return (inner[0], True) if inner and not inner[1] else None
    if origin in (Union, UnionType):
        models = [found for arg in get_args(annotation) if (found := _nested_model(arg))]
        return models[0] if len(models) == 1 else None
    return None


def json_fields(model: type[BaseModel], raw: object) -> dict[str, Any]:
    """The fields of a raw body that pass `model`'s schema, as `model_dump(mode="json")` writes them; an object (or a
    list of objects) with a refused field keeps its other fields, so a rule sees every value it can."""
    if not isinstance(raw, Mapping):
        return {}
    try:  # a nested object that passes whole reads as the valid body would (its defaults included)
        return model.model_validate(raw).model_dump(mode="json")
    except ValidationError:
        pass
    out: dict[str, Any] = {}
    for name, info, one in _each_field(model, raw):
        if one is not None:
            out[name] = one.model_dump(mode="json")[name]
            continue
        nested, value = _nested_model(info.annotation), raw[info.alias or name]
        if nested is not None and not nested[1] and isinstance(value, Mapping):
            out[name] = json_fields(nested[0], value)
        elif nested is not None and nested[1] and isinstance(value, list) and len(value) <= LIST_ITEMS_READ:
            out[name] = [json_fields(nested[0], item) for item in value]
    return out


# --- the checks per body model: the raw body -> the domain's field errors ----------------------------------------


def _prospect(model: type[BaseModel]) -> FieldCheck:
    return lambda raw, facts: _prospect_errors(typed_fields(model, raw), facts)


def _prospect_errors(values: dict[str, Any], facts: CheckFacts) -> list[FieldError]:
    # R-PRO-1; the quote of "Save and Create Proposal" (R-PRO-4) by R-QUO-1, its names being the prospect's.
    errors = prospect_field_errors({k: v for k, v in values.items() if k not in ("create_proposal", "quote")})
    quote = values.get("quote")
    if isinstance(quote, ProposalQuoteIn):
        quote_values = _quote_values({name: getattr(quote, name) for name in ProposalQuoteIn.model_fields})
        found = quote_field_errors(quote_values, names_from_prospect=True, **_quote_facts(facts))
        errors += [FieldError(f"quote.{e.field}", e.code, e.message) for e in found]
    return errors


def _applicant(a: ApplicantIn | ProposalApplicantIn) -> ApplicantInput:
    return ApplicantInput(
        first_name=a.first_name if isinstance(a, ApplicantIn) else None,
        last_name=a.last_name if isinstance(a, ApplicantIn) else None,
        date_of_birth=a.date_of_birth,
        sex=a.sex,
        tobacco_use=a.tobacco_use,
    )


def _quote_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The typed quote fields as the domain's `QuoteInput` types them."""
    out = {k: v for k, v in values.items() if k not in ("applicant", "spouse", "dependents")}
    if isinstance(a := values.get("applicant"), (ApplicantIn, ProposalApplicantIn)):
        out["applicant"] = _applicant(a)
    if isinstance(s := values.get("spouse"), SpouseIn):
        out["spouse"] = SpouseInput(date_of_birth=s.date_of_birth, sex=s.sex, tobacco_use=s.tobacco_use)
    if isinstance(deps := values.get("dependents"), list):
        out["dependents"] = tuple(
            DependentInput(date_of_birth=d.date_of_birth, sex=d.sex) for d in deps if isinstance(d, DependentIn)
        )
    return out


def _quote_facts(facts: CheckFacts) -> dict[str, Any]:
    return {"today": facts.today, "max_dependents": facts.max_dependents}


def _quote(raw: object, facts: CheckFacts) -> list[FieldError]:
    values = typed_fields(QuoteCreate, raw)
    names_from_prospect = values.get("prospect_id") is not None  # its names are read from the book
    return quote_field_errors(_quote_values(values), names_from_prospect=names_from_prospect, **_quote_facts(facts))


def _pcp_change(raw: object, facts: CheckFacts) -> list[FieldError]:
    values = typed_fields(PcpChangeCreate, raw)
    values["members"] = json_fields(PcpChangeCreate, raw).get("members")  # each member's reason, even beside a bad id
    return pcp_field_errors(values, today=facts.today)


def _section(name: str, model: type[BaseModel]) -> FieldCheck:
    """An application section's field rules (R-ENR-4, R-ENR-6 .. R-ENR-9, R-ENR-12) on its fields that pass."""
    return lambda raw, facts: section_field_errors(
        name, json_fields(model, raw), today=facts.today, max_dependents=facts.max_dependents
    )


def _registration(raw: object, facts: CheckFacts) -> list[FieldError]:
    return registration_field_errors(
        json_fields(RegistrationCreate, raw),  # each state registration's fields, even beside a refused one
        policy=facts.producer_password_policy,
        carrier_states=facts.carrier_states,
    )


def _contact_change(raw: object, facts: CheckFacts) -> list[FieldError]:
    phones = json_fields(ContactChangeCreate, raw).get("phones")
    return contact_phone_field_errors(phones if isinstance(phones, list) else [])


FIELD_CHECKS: dict[type[BaseModel], FieldCheck] = {
    RegistrationCreate: _registration,
    ContactChangeCreate: _contact_change,
    ProspectCreate: _prospect(ProspectCreate),
    ProspectUpdate: _prospect(ProspectUpdate),
    QuoteCreate: _quote,
    EQuestionCreate: lambda raw, facts: e_question_field_errors(typed_fields(EQuestionCreate, raw)),
    DelegateCreate: lambda raw, facts: delegate_field_errors(typed_fields(DelegateCreate, raw)),
    PcpChangeCreate: _pcp_change,
    **{model: _section(name, model) for name, model in SECTION_MODELS.items()},
}


def domain_field_errors(model: type[BaseModel], raw: object, facts: CheckFacts) -> list[FieldError]:
    """The domain's field errors of a body `model` refused (none when the model has no registered check)."""
    check = FIELD_CHECKS.get(model)
    return check(raw, facts) if check is not None else []
