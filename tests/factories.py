"""factory_boy factories for the foundation's models. Tests build their data with these."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import factory
from django.utils import timezone
from stdnum.cn import uscc

from taxlight.accounts.models import TaxpayerMembership, User, UserKind
from taxlight.authz.models import Role, RoleAssignment, Scope
from taxlight.org.models import Officer, Post, Unit, UnitKind
from taxlight.taxpayers.models import Taxpayer

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(rng: random.Random | None = None) -> str:
    """A random Unified Social Credit Code with a correct check character."""
    rng = rng or random.Random()
    body = (
        "91"  # registration authority 9 (market regulation), type 1 (enterprise)
        + rng.choice(["110000", "310000", "440300", "330100", "510100"])
        + "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
    )
    return body + uscc.calc_check_digit(body)


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"第{n}税务所")
    kind = UnitKind.BRANCH
    parent = factory.LazyFunction(
        lambda: (
            Unit.objects.filter(kind=UnitKind.BUREAU).first()
            or UnitFactory(code="BUREAU", name="示范市税务局", kind=UnitKind.BUREAU, parent=None)
        )
    )


class PostFactory(factory.django.DjangoModelFactory[Post]):
    class Meta:
        model = Post
        django_get_or_create = ("code",)

    code = "ACCEPT"
    name = factory.LazyAttribute(
        lambda o: {
            "ACCEPT": "受理岗",
            "INVESTIGATE": "调查岗",
            "APPROVE": "核批岗",
            "AUDIT": "审核岗",
            "LEADER": "领导岗",
        }.get(o.code, o.code)
    )


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    kind = UserKind.TAXPAYER
    first_name = "测试"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery-9")

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class OfficerFactory(factory.django.DjangoModelFactory[Officer]):
    class Meta:
        model = Officer

    officer_id = factory.Sequence(lambda n: f"S{n:05d}")
    name = factory.Sequence(lambda n: f"干部{n}")
    unit = factory.LazyFunction(lambda: DepartmentFactory())
    post = factory.SubFactory(PostFactory)
    certified_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=365))
    user = factory.SubFactory(
        UserFactory, kind=UserKind.STAFF, username=factory.Sequence(lambda n: f"officer{n}")
    )


class DepartmentFactory(UnitFactory):
    kind = UnitKind.DEPARTMENT
    name = factory.Sequence(lambda n: f"第{n}科")
    parent = factory.SubFactory(UnitFactory)


class TaxpayerFactory(factory.django.DjangoModelFactory[Taxpayer]):
    class Meta:
        model = Taxpayer

    taxpayer_id = factory.LazyFunction(make_uscc)
    name = factory.Sequence(lambda n: f"示范企业{n}有限公司")
    industry = "51"
    unit = factory.SubFactory(UnitFactory)
    registered_on = dt.date(2020, 1, 1)
    vat_status = "general"
    size = "small"
    credit_grade = "B"
    status = "normal"


def grant(
    user: User, role: Role | str, scope: Scope | str = Scope.BUREAU, unit: Unit | None = None
) -> RoleAssignment:
    return RoleAssignment.objects.create(user=user, role=role, scope=scope, unit=unit)


def officer_with_role(
    role: Role | str, scope: Scope | str = Scope.BUREAU, **kwargs: Any
) -> Officer:
    officer = OfficerFactory(**kwargs)
    assert officer.user is not None
    grant(officer.user, role, scope)
    return officer


def taxpayer_user(taxpayer: Taxpayer | None = None, **kwargs: Any) -> User:
    user = UserFactory(kind=UserKind.TAXPAYER, **kwargs)
    TaxpayerMembership.objects.create(user=user, taxpayer=taxpayer or TaxpayerFactory())
    return user
