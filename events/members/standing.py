"""Whether someone who chose a member category is a member: the roster, matched by address or number.

A registration in a member category is charged the member price either way; what the roster decides
is whether it is `confirmed` or `to_confirm` for the desk. Nobody is refused or asked to prove
anything online: a member whose address changed is simply checked at the desk.

An entry matches when its number is the one typed, or one of its addresses is the person's, or (for
an organization) its `@domain` is their address's domain; and when it is valid on the event's first
day. An organization's people are confirmed up to its units (口数) per event, unless the event lifts
that; the next ones are to confirm.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from events.database import execute, supports_row_locks
from events.members.models import Member, MemberAddress, Membership
from events.members.roster import normalize_number
from events.program.models import Event
from events.registrations.models import Registration, RegistrationStatus
from events.text import normalize_email


@dataclass(frozen=True)
class Standing:
    membership: Membership
    #: The number the person is registered under: the matched entry's, else what they typed.
    number: str = ""
    #: Confirmed as one of an organization's people: its units, counted again where the
    #: registration is written (`UNITS_USED`), since another may have taken the last one meanwhile.
    units: int | None = None


#: The people of an event confirmed under an organization's number: its units used.
UNITS_USED = (
    'SELECT count(*) FROM "registration" WHERE "event_id" = ? AND "member_number" = ? '
    f"AND \"membership\" = '{Membership.CONFIRMED.value}' AND \"status\" <> '{RegistrationStatus.CANCELLED.value}'"
)


#: An organization's turn among all processes for one event, on PostgreSQL: a lock held until the
#: transaction ends. Two keys (the event, a hash of the number) never meet the migrations' one-key lock.
UNITS_TURN = "SELECT pg_advisory_xact_lock(?::int, hashtext(?::text))"

NOT_A_MEMBER_CATEGORY = Standing(Membership.NONE)


class Roster:
    """The roster entries that could match, read once for a registration or a whole import."""

    def __init__(self, event: Event, members: list[Member], addresses: dict[str, list[Member]], used: Counter[str]):
        self.event = event
        self._by_number = {member.number: member for member in members}
        self._by_address = addresses
        #: Registrations of the event already confirmed under each organization's number.
        self._used = used

    @classmethod
    async def load(cls, event: Event, emails: list[str], numbers: list[str], other_than: int | None = None) -> Roster:
        """The entries matching any of these addresses (or their domains) or numbers; the units used
        count every registration of the event but `other_than` (the one being edited)."""
        keys = {normalize_email(email) for email in emails if email}
        keys |= {"@" + key.rpartition("@")[2] for key in list(keys)}
        typed = [number for number in (normalize_number(n) for n in numbers) if number]
        members: dict[int, Member] = {}
        addresses: dict[str, list[Member]] = {}
        if keys:
            for row in await MemberAddress.filter(address__in=sorted(keys)).prefetch_related("member"):
                members[row.member.id] = row.member
                addresses.setdefault(row.address, []).append(row.member)
        if typed:
            for member in await Member.filter(number__in=typed):
                members[member.id] = member
        organizations = [member.number for member in members.values() if member.kind.is_organization]
        used: Counter[str] = Counter()
        if organizations and not event.member_units_lifted:
            rows = (
                await Registration.filter(
                    event_id=event.id, member_number__in=organizations, membership=Membership.CONFIRMED.value
                )
                .exclude(status=RegistrationStatus.CANCELLED)
                .exclude(id=other_than or 0)
                .values_list("member_number", flat=True)
            )
            used.update(str(number) for number in rows)
        return cls(event, list(members.values()), addresses, used)

    def standing(self, category: str, email: str, typed_number: str) -> Standing:
        """This person's standing, counting them against their organization's units when confirmed."""
        if category not in self.event.member_categories:
            return NOT_A_MEMBER_CATEGORY
        number = normalize_number(typed_number)
        member = self._match(email, number)
        if member is None:
            return Standing(Membership.TO_CONFIRM, number)
        if member.kind.is_organization and not self.event.member_units_lifted:
            if self._used[member.number] >= member.units:
                return Standing(Membership.TO_CONFIRM, member.number)
            self._used[member.number] += 1
            return Standing(Membership.CONFIRMED, member.number, units=member.units)
        return Standing(Membership.CONFIRMED, member.number)

    def _match(self, email: str, number: str) -> Member | None:
        """The first valid entry: by the number typed, then the address, then the address's domain."""
        address = normalize_email(email)
        candidates: list[Member] = []
        if number and number in self._by_number:
            candidates.append(self._by_number[number])
        if address:
            candidates += self._by_address.get(address, [])
            domain = "@" + address.rpartition("@")[2]
            candidates += [member for member in self._by_address.get(domain, []) if member.kind.is_organization]
        for member in candidates:
            if member.valid_until is None or member.valid_until >= self.event.starts_on:
                return member
        return None


async def standing_of(
    event: Event, category: str, email: str, typed_number: str, *, other_than: int | None = None
) -> Standing:
    """One person's standing (no database read unless the category is a member one)."""
    if category not in event.member_categories:
        return NOT_A_MEMBER_CATEGORY
    roster = await Roster.load(event, [email], [typed_number], other_than)
    return roster.standing(category, email, typed_number)


async def take_units_turn(event_id: int, number: str) -> None:
    """PostgreSQL, inside a transaction: wait for the organization's turn, so that whoever counts its
    units after this sees every registration confirmed under it by a transaction that held the turn
    before; a statement counting them could otherwise miss one another process is committing. (On
    SQLite the transaction's write lock already does this: its callers take no turn there.)"""
    await execute(UNITS_TURN, [event_id, number])


async def standing_under_turn(
    event: Event, category: str, email: str, typed_number: str, *, other_than: int | None = None
) -> Standing:
    """`standing_of`, inside a transaction, with an organization's units counted after its turn."""
    standing = await standing_of(event, category, email, typed_number, other_than=other_than)
    if standing.units is None or not supports_row_locks():  # SQLite: counted under the write lock already
        return standing
    await take_units_turn(event.id, standing.number)
    return await standing_of(event, category, email, typed_number, other_than=other_than)
