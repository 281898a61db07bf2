"""The C-STORE receiver under hostile peers: half-open connections, wrong called AE titles, big sends."""

import contextlib
import socket

import pytest

from screening.imaging.models import Instance
from tests.imaging.listener_helpers import echo, media_in_tmp, sample, serve, store

__all__ = ["media_in_tmp"]

pytestmark = pytest.mark.django_db(transaction=True)

HALF_OPEN_CONNECTIONS = 20


@pytest.fixture
def listener(settings, media_in_tmp):
    settings.DICOM_LISTENER_ACSE_TIMEOUT = 2
    settings.DICOM_LISTENER_MAX_ASSOCIATIONS = 10
    settings.DICOM_LISTENER_MAX_ASSOCIATIONS_PER_PEER = 4
    server = serve()
    yield server.server_address[1]
    server.shutdown()


def _half_open(port: int, source: str) -> socket.socket:
    """A peer that connects, sends the first 4 bytes of an association request, and stops."""
    peer = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    with contextlib.suppress(OSError):
        peer.sendall(b"\x01\x00\x00\x00")
    return peer


def test_half_open_connections_do_not_block_other_peers(listener):
    peers = [_half_open(listener, "127.0.0.2") for _ in range(HALF_OPEN_CONNECTIONS)]
    try:
        assert echo(listener) == 0x0000
        assert store(listener, sample("CT_small.dcm")) == 0x0000
    finally:
        for peer in peers:
            peer.close()


def test_a_half_open_connection_is_closed_after_the_acse_timeout(listener):
    peer = _half_open(listener, "127.0.0.3")
    with peer:
        peer.settimeout(30)
        with contextlib.suppress(ConnectionResetError):
            assert peer.recv(1024) == b""  # the listener closed it; it did not wait for us


def test_half_open_connections_from_the_same_peer_free_their_slots_after_the_timeout(listener):
    peers = [_half_open(listener, "127.0.0.1") for _ in range(HALF_OPEN_CONNECTIONS)]
    try:
        for peer in peers:  # each is closed by the listener: refused at once, or after the timeout
            peer.settimeout(30)
            with contextlib.suppress(ConnectionResetError):
                assert peer.recv(1024) == b""
        assert echo(listener) == 0x0000
    finally:
        for peer in peers:
            peer.close()


def test_a_wrong_called_ae_title_is_refused(listener):
    assert echo(listener, called_ae="SOMEONEELSE") is None
    assert echo(listener) == 0x0000
    assert not Instance.objects.exists()
