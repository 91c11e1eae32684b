"""mysql-mimic's connection, with what libmysqlclient, sysbench and dl need of it.

- Prepared statements as libmysqlclient sends them: the parameter types come with the first
  COM_STMT_EXECUTE only (new-params-bound-flag = 1) and later executes reuse them (flag 0),
  which mysql-mimic refuses ("Server requires the new-params-bound-flag to be set"). Here the
  types are remembered per statement, and the values are put into the statement as SQL
  literals quoted for the MySQL dialect (a quote or backslash in a value cannot end it).
- Errors carry MySQL's SQLSTATE for their number (`errors`), and OK packets the rows a write
  affected.
- Query attributes are not offered (the capability is off), so executes carry statement
  parameters only.
"""
from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mysql_mimic import packets, types
from mysql_mimic.connection import Connection
from mysql_mimic.constants import DEFAULT_SERVER_CAPABILITIES
from mysql_mimic.errors import ErrorCode, MysqlError
from mysql_mimic.prepared import REGEX_PARAM, PreparedStatement
from mysql_mimic.results import ensure_result_set
from mysql_mimic.types import Capabilities, ColumnType
from mysql_mimic.utils import aiterate, cooperative_iterate

from dl.server.errors import SQLSTATES

CAPABILITIES = DEFAULT_SERVER_CAPABILITIES & ~Capabilities.CLIENT_QUERY_ATTRIBUTES

_CURSOR_READ_ONLY = 0x01
_STATUS = {(autocommit, in_transaction): types.ServerStatus(
    (types.ServerStatus.SERVER_STATUS_AUTOCOMMIT if autocommit else 0)
    | (types.ServerStatus.SERVER_STATUS_IN_TRANS if in_transaction else 0))
    for autocommit in (False, True) for in_transaction in (False, True)}  # enum arithmetic once, not per packet


class DlConnection(Connection):
    """One client connection (see the module docstring)."""

    @property  # type: ignore[override]
    def status_flags(self) -> types.ServerStatus:
        """SERVER_STATUS_AUTOCOMMIT and SERVER_STATUS_IN_TRANS from the dl session, as MySQL
        sends them in every OK/EOF (clients such as pymysql decide whether to SET autocommit
        by them)."""
        dl = getattr(self.session, "dl", None)
        if dl is None:
            return _STATUS[False, False]
        return _STATUS[bool(dl.autocommit), dl.in_transaction]

    @status_flags.setter
    def status_flags(self, value: types.ServerStatus) -> None:
        pass  # derived from the session, never stored

    def error(self, **kwargs: Any) -> bytes:
        code = int(kwargs.get("code", ErrorCode.UNKNOWN_ERROR))
        message = str(kwargs.get("msg", ""))
        parts = [b"\xff", struct.pack("<H", code)]
        if Capabilities.CLIENT_PROTOCOL_41 in self.capabilities:
            parts += [b"#", SQLSTATES.get(code, "HY000").encode()]
        parts.append(message.encode("utf-8", "replace"))
        return b"".join(parts)

    def ok(self, **kwargs: Any) -> bytes:
        if "affected_rows" not in kwargs and not kwargs.get("eof"):
            kwargs["affected_rows"] = getattr(self.session, "take_affected_rows", lambda: 0)()
        return ok_packet(self._client(), int(self.status_flags), **kwargs)

    def eof(self, warnings: int = 0, flags: int = 0) -> bytes:
        return eof_packet(self._client(), int(self.status_flags), warnings, flags)

    def ok_or_eof(self, affected_rows: int = 0, last_insert_id: int = 0, warnings: int = 0, flags: int = 0) -> bytes:
        if self.deprecate_eof():
            return self.ok(eof=True, affected_rows=affected_rows, last_insert_id=last_insert_id, warnings=warnings,
                           flags=flags)
        return self.eof(warnings=warnings, flags=flags)

    def deprecate_eof(self) -> bool:
        return self._client().deprecate_eof

    def _client(self) -> ClientFlags:
        """What the client's capabilities say, read once per capabilities value: testing a bit
        of mysql-mimic's `Capabilities` flag costs ~2 us of enum code, and every OK/EOF packet
        tested two or three (an OK packet cost ~10 us, a fifth of a point select's protocol)."""
        capabilities = self.capabilities
        known: tuple[Any, ClientFlags] | None = self.__dict__.get("_client_flags")
        if known is None or known[0] is not capabilities:
            known = (capabilities, ClientFlags.of(capabilities))
            self.__dict__["_client_flags"] = known
        return known[1]

    async def handle_stmt_prepare(self, data: bytes) -> None:
        """COM_STMT_PREPARE, as mysql-mimic's, with the query run for its result columns off
        the event loop (`DlSession.prepared_columns`) before the answer is written."""
        sql = self.client_charset.decode(data)
        statement = PreparedStatement(stmt_id=next(self.prepared_stmt_seq), sql=sql,
                                      num_params=len(REGEX_PARAM.findall(sql)))
        describe = getattr(self.session, "prepared_columns", None)
        if describe is not None:
            statement.columns = await describe("NULL".join(_template(statement)))  # type: ignore[attr-defined]
        self.prepared_stmts[statement.stmt_id] = statement
        for packet in self.com_stmt_prepare_response(statement):
            await self.stream.write(packet, drain=False)
        await self.stream.drain()

    def com_stmt_prepare_response(self, statement: PreparedStatement) -> Iterator[bytes]:
        """PREPARE's answer, with the result columns of a query (libmysqlclient binds its
        result buffers from them; without them it does not read the rows an execute sends)."""
        columns = getattr(statement, "columns", None)
        if columns is None:
            columns = self._prepared_columns(statement)
        compile_plan = getattr(self.session, "compile", None)
        statement.plan = compile_plan(_template(statement)) if compile_plan else None  # type: ignore[attr-defined]
        yield b"".join([b"\x00", struct.pack("<IHH", statement.stmt_id, len(columns), statement.num_params),
                        b"\x00", struct.pack("<H", 0)])
        for _ in range(statement.num_params):
            yield packets.make_column_definition_41(server_charset=self.server_charset, name="?")
        if statement.num_params and not self.deprecate_eof():
            yield self.eof()
        for column in columns:
            yield packets.make_column_definition_41(server_charset=self.server_charset, name=column.name,
                                                    column_type=column.type, character_set=column.character_set)
        if columns and not self.deprecate_eof():
            yield self.eof()

    def _prepared_columns(self, statement: PreparedStatement) -> list[Any]:
        pieces = _template(statement)
        probe = "NULL".join(pieces)
        describe = getattr(self.session, "result_columns", None)
        return describe(probe) if describe is not None else []

    async def handle_query(self, data: bytes) -> None:
        """COM_QUERY; a script's results go out as MySQL's multiple result sets (each but the
        last flagged SERVER_MORE_RESULTS_EXISTS)."""
        com_query = packets.parse_com_query(capabilities=self.capabilities, client_charset=self.client_charset,
                                            data=data)
        answers = await self.session.handle_query_results(com_query.sql, com_query.query_attrs)  # type: ignore[attr-defined]
        for i, (answer, affected) in enumerate(answers):
            more = types.ServerStatus.SERVER_MORE_RESULTS_EXISTS if i < len(answers) - 1 else 0
            result_set = await ensure_result_set(answer)
            if not result_set:
                await self.stream.write(self.ok(affected_rows=affected, flags=more))
                continue
            header = [packets.make_column_count(capabilities=self.capabilities,
                                                column_count=len(result_set.columns))]
            header += [packets.make_column_definition_41(server_charset=self.server_charset, name=c.name,
                                                         column_type=c.type, character_set=c.character_set)
                       for c in result_set.columns]
            if not self.deprecate_eof():
                header.append(self.eof())
            self.stream.write_many(header)
            rows = result_set.rows if isinstance(result_set.rows, list) else [r async for r in aiterate(result_set.rows)]
            self.stream.write_text_rows(rows, result_set.columns)
            await self.stream.write(self.ok_or_eof(affected_rows=len(rows), flags=more))

    async def handle_stmt_execute(self, data: bytes) -> None:
        reader = io.BytesIO(data)
        stmt = self.get_stmt(_uint(reader, 4))
        use_cursor = bool(_uint(reader, 1) & _CURSOR_READ_ONLY)
        _uint(reader, 4)  # iteration count: always 1
        values = self._params(stmt, reader)
        stmt.param_buffers = None
        plan = getattr(stmt, "plan", None)
        pieces = _template(stmt)
        if plan is not None:
            answer = await self.session.run_plan(plan, values, lambda: _bound_text(pieces, values))  # type: ignore[attr-defined]
        else:
            answer = await self.session.handle_query(_bound_text(pieces, values), {})
        if not use_cursor and isinstance(answer, tuple) and isinstance(answer[0], list):
            await self._write_binary_rows(*answer)
            return
        result_set = await ensure_result_set(answer)
        if not result_set:
            await self.stream.write(self.ok())
            return
        header = [types.uint_len(len(result_set.columns))]
        header += [packets.make_column_definition_41(server_charset=self.server_charset, name=c.name,
                                                     column_type=c.type, character_set=c.character_set)
                   for c in result_set.columns]
        self.stream.write_many(header)

        async def rows() -> Any:
            async for row in cooperative_iterate(aiterate(result_set.rows)):
                yield packets.make_binary_resultrow(row, result_set.columns)
        if use_cursor:
            stmt.cursor = rows()
            await self.stream.write(self.ok_or_eof(flags=types.ServerStatus.SERVER_STATUS_CURSOR_EXISTS))
            return
        if not self.deprecate_eof():
            self.stream.write_many([self.eof()])
        batch = [row async for row in rows()]
        self.stream.write_many(batch)
        await self.stream.write(self.ok_or_eof())

    async def _write_binary_rows(self, rows: list[tuple[Any, ...]], columns: list[Any]) -> None:
        """A result set of rows in hand, in the binary protocol: its header (remembered for
        the column list, which `results` keeps per schema) and each row encoded at once,
        without mysql-mimic's per-row async iteration."""
        headers = self.__dict__.setdefault("_headers", {})
        known = headers.get(id(columns))
        if known is None or known[0] is not columns:
            if len(headers) > 256:
                headers.clear()
            header = [types.uint_len(len(columns))]
            header += [packets.make_column_definition_41(server_charset=self.server_charset, name=c.name,
                                                         column_type=c.type, character_set=c.character_set)
                       for c in columns]
            known = headers[id(columns)] = (columns, header)
        out = list(known[1])
        if not self.deprecate_eof():
            out.append(self.eof())
        encode = packets.make_binary_resultrow
        out += [encode(row, columns) for row in rows]
        self.stream.write_many(out)
        await self.stream.write(self.ok_or_eof())

    def _params(self, stmt: PreparedStatement, reader: io.BytesIO) -> list[Any]:
        """This execute's parameter values, as Python values."""
        count = stmt.num_params
        if not count:
            return []
        nulls = reader.read((count + 7) // 8)
        if len(nulls) != (count + 7) // 8:
            raise MysqlError("malformed COM_STMT_EXECUTE packet", ErrorCode.MALFORMED_PACKET)
        if _uint(reader, 1):
            stmt.param_types = [(ColumnType(_uint(reader, 1)), bool(_uint(reader, 1) & 0x80))  # type: ignore[attr-defined]
                                for _ in range(count)]
        bound = getattr(stmt, "param_types", None)
        if bound is None:
            raise MysqlError("COM_STMT_EXECUTE without parameter types", ErrorCode.MALFORMED_PACKET)
        values = []
        for i, (kind, unsigned) in enumerate(bound):
            if nulls[i // 8] & (1 << (i % 8)):
                values.append(None)
            elif stmt.param_buffers and i in stmt.param_buffers:
                values.append(self.client_charset.decode(bytes(stmt.param_buffers[i])))
            else:
                values.append(_read_value(self, reader, kind, unsigned))
        return values


@dataclass(frozen=True)
class ClientFlags:
    """The capability bits OK and EOF packets depend on."""

    protocol_41: bool
    transactions: bool
    deprecate_eof: bool

    @staticmethod
    def of(capabilities: Capabilities) -> ClientFlags:
        return ClientFlags(Capabilities.CLIENT_PROTOCOL_41 in capabilities,
                           Capabilities.CLIENT_TRANSACTIONS in capabilities,
                           Capabilities.CLIENT_DEPRECATE_EOF in capabilities)


def ok_packet(client: ClientFlags, status: int, eof: bool = False, affected_rows: int = 0, last_insert_id: int = 0,
              warnings: int = 0, flags: int = 0) -> bytes:
    """An OK packet, byte for byte as mysql-mimic's `make_ok` writes it, from plain ints."""
    head = b"\xfe" if eof else b"\x00"
    middle = types.uint_len(affected_rows) + types.uint_len(last_insert_id)
    if client.protocol_41:
        return head + middle + struct.pack("<HH", status | int(flags), warnings)
    if client.transactions:
        return head + middle + struct.pack("<H", status | int(flags))
    return head + middle


def eof_packet(client: ClientFlags, status: int, warnings: int = 0, flags: int = 0) -> bytes:
    """An EOF packet, byte for byte as mysql-mimic's `make_eof` writes it."""
    if client.protocol_41:
        return b"\xfe" + struct.pack("<HH", warnings, status | int(flags))
    return b"\xfe"


def _bound_text(pieces: list[str], values: list[Any]) -> str:
    """The statement's text with the parameters as SQL literals."""
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:]):
        out += [sql_literal(value), piece]
    return "".join(out)


def _template(stmt: PreparedStatement) -> list[str]:
    pieces = getattr(stmt, "pieces", None)
    if pieces is None:
        pieces = REGEX_PARAM.split(stmt.sql)
        stmt.pieces = pieces  # type: ignore[attr-defined]
    return pieces  # type: ignore[no-any-return]


_DATE_TYPES = {ColumnType.DATE, ColumnType.DATETIME, ColumnType.TIMESTAMP}


def _read_value(conn: DlConnection, reader: io.BytesIO, kind: ColumnType, unsigned: bool) -> Any:
    if kind in _DATE_TYPES:
        return _read_datetime(reader)
    if kind in (ColumnType.DECIMAL, ColumnType.NEWDECIMAL, ColumnType.JSON):
        kind = ColumnType.VAR_STRING
    try:
        return packets._read_param_value(conn.client_charset, reader, kind, unsigned)
    except struct.error:
        raise MysqlError("malformed COM_STMT_EXECUTE packet", ErrorCode.MALFORMED_PACKET) from None


def _read_datetime(reader: io.BytesIO) -> date | datetime:
    size = _uint(reader, 1)
    raw = reader.read(size)
    if size == 0:
        return datetime(1, 1, 1)
    year, month, day = struct.unpack("<HBB", raw[:4])
    if size == 4:
        return date(year, month, day)
    hour, minute, second = raw[4], raw[5], raw[6]
    micro = struct.unpack("<I", raw[7:11])[0] if size >= 11 else 0
    return datetime(year, month, day, hour, minute, second, micro)


def _uint(reader: io.BytesIO, size: int) -> int:
    raw = reader.read(size)
    if len(raw) != size:
        raise MysqlError("malformed packet: it ends early", ErrorCode.MALFORMED_PACKET)
    return int.from_bytes(raw, "little")


_ESCAPES = re.compile(r"[\\'\x00\n\r\x1a]")
_ESCAPED = {"\\": "\\\\", "'": "''", "\x00": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z"}


def sql_literal(value: Any) -> str:
    """`value` as a MySQL-dialect SQL literal: a parameter never becomes SQL."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return "X'" + bytes(value).hex() + "'"
    if isinstance(value, (date, datetime, timedelta)):
        return "'" + str(value) + "'"
    return "'" + _ESCAPES.sub(lambda m: _ESCAPED[m.group(0)], str(value)) + "'"
