"""dl's OK and EOF packets (`protocol.ok_packet`, `eof_packet`) are mysql-mimic's, byte for byte,
for every capability set and flag the server sends."""
from __future__ import annotations

import itertools

from mysql_mimic import packets, types
from mysql_mimic.types import Capabilities, ServerStatus

from dl.server.protocol import ClientFlags, eof_packet, ok_packet

CAPABILITY_SETS = [Capabilities(0), Capabilities.CLIENT_TRANSACTIONS, Capabilities.CLIENT_PROTOCOL_41,
                   Capabilities.CLIENT_PROTOCOL_41 | Capabilities.CLIENT_DEPRECATE_EOF | Capabilities.CLIENT_TRANSACTIONS]
STATUSES = [ServerStatus(0), ServerStatus.SERVER_STATUS_AUTOCOMMIT,
            ServerStatus.SERVER_STATUS_AUTOCOMMIT | ServerStatus.SERVER_STATUS_IN_TRANS]
FLAGS = [0, ServerStatus.SERVER_MORE_RESULTS_EXISTS, ServerStatus.SERVER_STATUS_CURSOR_EXISTS]


def test_ok_and_eof_packets_are_mysql_mimics() -> None:
    for caps, status, flags in itertools.product(CAPABILITY_SETS, STATUSES, FLAGS):
        client = ClientFlags.of(caps)
        for eof, affected, insert_id, warnings in [(False, 0, 0, 0), (True, 3, 0, 1), (False, 300, 2 ** 20, 0),
                                                   (False, 2 ** 40, 7, 2)]:
            assert ok_packet(client, int(status), eof=eof, affected_rows=affected, last_insert_id=insert_id,
                             warnings=warnings, flags=flags) == \
                packets.make_ok(capabilities=caps, status_flags=status, eof=eof, affected_rows=affected,
                                last_insert_id=insert_id, warnings=warnings, flags=flags)
        assert eof_packet(client, int(status), 2, flags) == \
            packets.make_eof(capabilities=caps, status_flags=status, warnings=2, flags=flags)
    assert ClientFlags.of(CAPABILITY_SETS[3]) == ClientFlags(True, True, True)
    assert types.uint_len(5) == b"\x05"
