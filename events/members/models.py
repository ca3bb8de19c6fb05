"""The member roster: the network's members and subscribers, imported from the secretariat's list."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MemberKind(StrEnum):
    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"
    INDIVIDUAL_SUBSCRIBER = "individual_subscriber"
    ORGANIZATION_SUBSCRIBER = "organization_subscriber"

    @property
    def is_organization(self) -> bool:
        """An organization's people register under its number, as many as its units."""
        return self in (MemberKind.ORGANIZATION, MemberKind.ORGANIZATION_SUBSCRIBER)


class Membership(StrEnum):
    """What a registration in a member category knows of the person's membership."""

    #: Not in a member category.
    NONE = ""
    #: Their e-mail address, domain or member number matched a valid entry of the roster.
    CONFIRMED = "confirmed"
    #: They said they are a member and nothing matched (or their organization's units are used up):
    #: registered at the member price, for the desk to check.
    TO_CONFIRM = "to_confirm"


class Member(Model):
    """One entry of the roster. Personal data: door accounts never see it, and the roster is
    replaced whole by each import and erased on the organizers' word (`tsudoi purge` also drops
    entries whose membership ended more than a year ago)."""

    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(MemberKind, max_length=32)
    #: 口数: how many units the member holds (for an organization, how many of its people pay the member price).
    units = fields.IntField(default=1)
    organization = fields.CharField(max_length=200, default="")
    #: The last day of the membership (none: no end).
    valid_until = fields.DateField(null=True)
    imported_at = fields.DatetimeField()

    addresses: fields.ReverseRelation[MemberAddress]

    class Meta:
        table = "member"
        ordering = ["number"]


class MemberAddress(Model):
    """An e-mail address of a member, or `@domain` for all of an organization's addresses."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="addresses", on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=254, db_index=True)

    class Meta:
        table = "member_address"
