"""Tables of the ledger (schema version 8).

Timestamps are integer microseconds since the epoch (UTC); ``day`` columns hold the local
calendar day as ``YYYYMMDD`` in the store's time zone, so reports group by integer division
the same way on SQLite and PostgreSQL. ``journal_entry`` and ``posting`` are append-only
(database triggers refuse UPDATE and DELETE), and so is ``apportionment``, the record of each
common-area split as it was computed when it ran; the other tables hold state that is allowed to
change (balances, meter cursors, bills, hourly usage buckets, the open hour's accruals and the
monthly balance checkpoints).

Version 5: the usage of the open hour accrues in place (``account.accrued``, with
``accrual_slot`` saying which hour) and becomes one journal entry when the hour closes; see
:mod:`.accrual`. ``balance_checkpoint`` holds each account's posted balance at the start of
each month, so an opening balance never sums the whole history; see :mod:`.checkpoints`.

Version 7: a ledger shared by several Home Assistant instances (or gateways) holds several
buildings' books; each tenant account names the ``building`` it belongs to (see :mod:`.buildings`).

Version 8: one meter row per physical meter of a shared gateway (``meter_identity``), and the
readings another instance relays to the row's owner (``meter_relay``; see :mod:`.identities`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 8

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

account = Table(
    "account",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("area_centi_m2", BigInteger, nullable=False, default=0),
    Column("postpaid", Boolean, nullable=False, default=False),
    Column("closed", Boolean, nullable=False, default=False),
    Column("balance", BigInteger, nullable=False, default=0),
    Column("created_us", BigInteger, nullable=False),
    # Usage of the open hour not yet in a journal entry, already in ``balance`` (signed like a
    # posting): balance = sum of postings + accrued.
    Column("accrued", BigInteger, nullable=False, default=0, server_default="0"),
    # The building whose books hold the account (``building.id``); NULL for the system accounts
    # and for tenant accounts of a ledger upgraded from version 6 until their gateway claims them.
    Column("building", String(64), nullable=True),
)
Index("ix_account_building", account.c.building)

building = Table(
    "building",
    metadata,
    # One per gateway writing to the ledger (its config entry id): the finance card and the
    # reports show one building's books or all of them.
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("updated_us", BigInteger, nullable=False),
)

accrual_slot = Table(
    "accrual_slot",
    metadata,
    # At most one row: the local hour whose usage accrues in ``account.accrued`` now.
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("slot_us", BigInteger, nullable=False),
    # The latest instant that accrued, and its local day: the closing entry's ts and day.
    Column("last_us", BigInteger, nullable=False),
    Column("day", Integer, nullable=False),
)

gateway_lease = Table(
    "gateway_lease",
    metadata,
    # Which Home Assistant drives a gateway (polls, bills, switches) on a shared ledger: the
    # holder renews it every poll; another instance takes it once it has lapsed (:mod:`.leases`).
    Column("gateway", String(240), primary_key=True),
    Column("holder", String(64), nullable=False),  # one running process (a token per start)
    Column("holder_instance", String(64), nullable=False),  # Home Assistant's instance id
    Column("holder_name", String(240), nullable=False),
    Column("expires_us", BigInteger, nullable=False),
    Column("since_us", BigInteger, nullable=False),
    # The latest instance that wanted it while it was held (for the repair issue on both sides).
    Column("contender_instance", String(64)),
    Column("contender_name", String(240)),
    Column("contender_us", BigInteger),
)

checkpoint_month = Table(
    "checkpoint_month",
    metadata,
    # One row per local month whose opening balances are stored in ``balance_checkpoint``.
    Column("month", Integer, primary_key=True, autoincrement=False),
    Column("start_us", BigInteger, nullable=False),
    # The lowest entry id dated in the month or later when the checkpoint was taken: entries
    # below it are all in ``posted`` (a later entry dated earlier deletes the checkpoint).
    Column("first_entry_id", BigInteger, nullable=False),
)

balance_checkpoint = Table(
    "balance_checkpoint",
    metadata,
    Column("month", Integer, ForeignKey("checkpoint_month.month"), primary_key=True),
    Column("account_id", Id, ForeignKey("account.id"), primary_key=True, autoincrement=False),
    # Sum of the account's postings dated before the month (accounts with none have no row).
    Column("posted", BigInteger, nullable=False),
)

journal_entry = Table(
    "journal_entry",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("account_id", Id, ForeignKey("account.id"), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("reverses_id", Id, ForeignKey("journal_entry.id"), nullable=True),
    Column("reason", String(500), nullable=False, default=""),
    Column("actor", String(64), nullable=False, server_default="system"),
    Column("ts_us", BigInteger, nullable=False),
    Column("day", Integer, nullable=False),
    UniqueConstraint("source", "key", name="uq_journal_entry_source_key"),
)
Index("ix_journal_entry_account", journal_entry.c.account_id, journal_entry.c.ts_us)
Index("ix_journal_entry_day", journal_entry.c.day)

posting = Table(
    "posting",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("entry_id", Id, ForeignKey("journal_entry.id"), nullable=False),
    Column("account_id", Id, ForeignKey("account.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
)
Index("ix_posting_entry", posting.c.entry_id)
Index("ix_posting_account", posting.c.account_id, posting.c.entry_id)

meter = Table(
    "meter",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("tariff_code", String(64), nullable=False),
    Column("max_rate_milli_per_hour", BigInteger, nullable=False),
    Column("plausibility_factor", Integer, nullable=False),
    Column("rollover_milli", BigInteger, nullable=True),
    Column("dip_tolerance_milli", BigInteger, nullable=False),
    Column("min_interval_s", Integer, nullable=False),
    Column("resolution_milli", BigInteger, nullable=False),
    Column("generation", Integer, nullable=False),
)

meter_generation = Table(
    "meter_generation",
    metadata,
    Column("meter_id", String(64), ForeignKey("meter.id"), primary_key=True),
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("start_milli", BigInteger, nullable=False),
    Column("hwm_milli", BigInteger, nullable=False),
    Column("last_us", BigInteger, nullable=False),
    Column("carry_nano", BigInteger, nullable=False, default=0),
    Column("tier_window", String(16), nullable=False, default=""),
    Column("tier_used_milli", BigInteger, nullable=False, default=0),
    Column("period_milli", Text, nullable=False, default="{}"),
    Column("closed_us", BigInteger, nullable=True),
)

assignment = Table(
    "assignment",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("meter_id", String(64), ForeignKey("meter.id"), nullable=False),
    Column("account_id", Id, ForeignKey("account.id"), nullable=False),
    Column("start_us", BigInteger, nullable=False),
    Column("end_us", BigInteger, nullable=True),
    Column("opening_milli", BigInteger, nullable=False),
    Column("closing_milli", BigInteger, nullable=True),
)
Index("ix_assignment_meter", assignment.c.meter_id, assignment.c.end_us)

meter_identity = Table(
    "meter_identity",
    metadata,
    # Which ledger meter is a physical meter, by a name every instance derives the same way
    # (the gateway's lease identity, the unit address, the utility): two instances configured
    # for one gateway bill one meter row, one cursor, one holder (:mod:`.identities`).
    Column("identity", String(400), primary_key=True),
    Column("meter_id", String(64), ForeignKey("meter.id"), nullable=False, unique=True),
    Column("owner_instance", String(64), nullable=False),  # whose accounts and tariffs bill it
    Column("owner_name", String(240), nullable=False),
    Column("since_us", BigInteger, nullable=False),
)

meter_relay = Table(
    "meter_relay",
    metadata,
    # The latest reading of a meter that the instance driving its gateway does not own, left
    # for the owner to bill (one row per meter, moved forward only).
    Column("meter_id", String(64), ForeignKey("meter.id"), primary_key=True),
    Column("taken_us", BigInteger, nullable=False),
    Column("total", String(40), nullable=False),  # the counter as read (exact decimal text)
    Column("periods", Text, nullable=True),  # the meter's own TOU counters, JSON
    Column("by_name", String(240), nullable=False),
)

usage_bucket = Table(
    "usage_bucket",
    metadata,
    # The hour leads the key: buckets are written in time order, so inserts append.
    Column("hour_us", BigInteger, primary_key=True, autoincrement=False),
    Column("meter_id", String(64), primary_key=True),
    Column("generation", Integer, primary_key=True, autoincrement=False),
    Column("account_id", Id, primary_key=True, autoincrement=False),
    Column("period", String(8), primary_key=True),
    Column("tier", Integer, primary_key=True, autoincrement=False),
    Column("day", Integer, nullable=False),
    Column("quantity_milli", BigInteger, nullable=False),
    Column("exact_nano", BigInteger, nullable=False),
    # One row per meter, hour, period and block for years: on SQLite the clustered primary
    # key saves a second copy of every key. Queries by local day read an hour range of the
    # key (``journal.day_hours``): an index on ``day`` would hold a copy of the whole key
    # (version 5 drops it; it cost more than the table).
    sqlite_with_rowid=False,
)
Index("ix_usage_bucket_account", usage_bucket.c.account_id, usage_bucket.c.hour_us)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("meter_id", String(64), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("taken_us", BigInteger, nullable=False),
    Column("counter_milli", BigInteger, nullable=True),
    Column("status", String(32), nullable=False),
)
Index("ix_quarantine_meter", quarantine.c.meter_id)

bill = Table(
    "bill",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(240), nullable=False, unique=True),
    Column("account_id", Id, ForeignKey("account.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("description", String(200), nullable=False, default=""),
    Column("issued_us", BigInteger, nullable=False),
    Column("due_us", BigInteger, nullable=False),
    Column("paid_entry_id", Id, ForeignKey("journal_entry.id"), nullable=True),
)
Index("ix_bill_account", bill.c.account_id)

apportionment = Table(
    "apportionment",
    metadata,
    # One row per ``apportion`` journal entry, written in the same transaction: the figures the
    # split was made from, kept as they were (meters may later be moved, replaced or re-read).
    Column("entry_id", Id, ForeignKey("journal_entry.id"), primary_key=True, autoincrement=False),
    Column("pool", String(200), nullable=False),
    Column("period", String(64), nullable=False),
    Column("method", String(16), nullable=True),
    Column("collection", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("shares", Integer, nullable=False),
    # NULL where the split was not made from meters (a given amount alone), or recorded by a
    # ledger older than schema version 3 (backfilled from the journal without quantities).
    Column("master_meter", String(64), nullable=True),
    Column("master_milli", BigInteger, nullable=True),
    Column("subs_milli", BigInteger, nullable=True),
    Column("pool_milli", BigInteger, nullable=True),
    Column("loss_per_mille", Integer, nullable=True),
    # Each account's weight as JSON ({"code": weight}), so a replay of a usage split is answered
    # with the weights it ran with (usage grows with every reading). NULL before version 4.
    Column("weights", Text, nullable=True),
    Column("ts_us", BigInteger, nullable=False),
    Column("day", Integer, nullable=False),
)
Index("ix_apportionment_day", apportionment.c.day)
