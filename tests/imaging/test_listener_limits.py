"""The C-STORE receiver under hostile peers: half-open connections, wrong called AE titles, big sends."""

import contextlib
import socket
import time
import tracemalloc

import pytest
from pydicom.uid import AllTransferSyntaxes
from pynetdicom import AE, StoragePresentationContexts

from screening.imaging.models import Instance
from tests.imaging.listener_helpers import (
    echo,
    media_in_tmp,
    sample,
    scu,
    serve,
    store,
    store_file_from_another_process,
)

__all__ = ["media_in_tmp"]

pytestmark = pytest.mark.django_db(transaction=True)

HALF_OPEN_CONNECTIONS = 20
MIB = 1024 * 1024
# Peak Python memory of the receiving process (tracemalloc) while a 64 MiB send is refused.
RECEIVE_PEAK_BOUND = 24 * MIB
# Python memory still held by the receiving process once a 32 MiB send is stored and answered.
RETAINED_BOUND = 4 * MIB


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


def _large_file(path, pixel_bytes: int) -> str:
    """A valid CT whose pixel data holds `pixel_bytes` (frames of 512 x 512 x 16 bits), written to `path`."""
    dataset = sample("CT_small.dcm")
    dataset.Rows, dataset.Columns = 512, 512
    dataset.NumberOfFrames = pixel_bytes // (512 * 512 * 2)
    dataset.PixelData = bytes(pixel_bytes)
    dataset.save_as(path, enforce_file_format=True)
    return str(path)


def test_a_send_over_the_size_limit_is_refused_while_it_arrives_with_bounded_memory(
    listener, settings, tmp_path
):
    settings.DICOM_MAX_FILE_BYTES = 8 * MIB
    path = _large_file(tmp_path / "large.dcm", 64 * MIB)

    tracemalloc.start()
    try:
        status = store_file_from_another_process(listener, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # The receiver holds a few 4 MiB PDUs at a time, never the 64 MiB dataset (measured: ~17 MB).
    assert peak < RECEIVE_PEAK_BOUND, peak
    assert status is None  # aborted while it arrived: no status
    assert not Instance.objects.exists()


def test_a_large_send_within_the_limit_is_received_to_a_file_and_stored(listener, settings, tmp_path):
    settings.DICOM_MAX_FILE_BYTES = 64 * MIB
    path = _large_file(tmp_path / "large.dcm", 32 * MIB)

    tracemalloc.start()
    try:
        status = store_file_from_another_process(listener, path)
        retained, _peak = tracemalloc.get_traced_memory()  # measured: 0.3 MB retained, 67 MB peak
    finally:
        tracemalloc.stop()

    assert status == 0x0000
    assert Instance.objects.get().file.size > 32 * MIB
    assert retained < RETAINED_BOUND, retained  # the 32 MiB received are not kept once stored


def test_a_pdu_announcing_more_than_the_negotiated_maximum_aborts_the_association(listener):
    modality = scu()
    modality.network_timeout = modality.dimse_timeout = 120  # only the listener may end it here
    assoc = modality.associate("127.0.0.1", listener, ae_title="SCREENING")
    assert assoc.is_established
    # A P-DATA-TF PDU announcing 2 GiB: the listener must not wait to read (and hold) it all.
    assoc.dul.socket.socket.sendall(b"\x04\x00" + (2**31).to_bytes(4, "big") + bytes(64 * 1024))

    deadline = time.monotonic() + 20
    while assoc.is_alive() and not assoc.is_aborted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert assoc.is_aborted


def test_a_long_association_request_is_admitted(listener):
    """127 storage contexts, each in 30 transfer syntaxes (a sender proposing all it knows): ~110 KB."""
    syntaxes = [str(uid) for uid in AllTransferSyntaxes[:30]]
    modality = AE(ae_title="MODALITY1")
    for context in StoragePresentationContexts[:127]:
        modality.add_requested_context(context.abstract_syntax, syntaxes)

    assoc = modality.associate("127.0.0.1", listener, ae_title="SCREENING")

    assert assoc.is_established
    assoc.release()


def test_a_whole_association_request_is_admitted_without_waiting_a_peek_interval():
    """The request is complete on arrival: admitting it must not sleep between the header's peek
    and the whole PDU's (that cost every association 50 ms, longer than this deadline)."""
    from screening.imaging.listener_admission import association_request_arrived

    body = bytes(68)
    pdu = bytes([0x01, 0x00]) + len(body).to_bytes(4, "big") + body
    ours, peer = socket.socketpair()
    with ours, peer:
        peer.sendall(pdu)
        assert association_request_arrived(ours, timeout=0.03)
        assert ours.recv(len(pdu), socket.MSG_PEEK) == pdu  # peeked, never consumed


def test_each_association_gets_its_own_copy_of_the_contexts_without_copying_every_uid(media_in_tmp):
    import copy

    server = serve()
    server.shutdown()
    copied = copy.deepcopy(server.contexts)
    original = server.contexts[0]
    assert [(c.abstract_syntax, c.transfer_syntax) for c in copied] == [
        (c.abstract_syntax, c.transfer_syntax) for c in server.contexts
    ]
    # The association changes its own lists, never the server's; the UIDs themselves are shared.
    copied[0].transfer_syntax.clear()
    assert original.transfer_syntax and copied[0] is not original
    assert copy.deepcopy(server.contexts)[0].abstract_syntax is original.abstract_syntax
