"""`manage.py dicom_listener --processes N`: several listener processes on one port, as deployed.

Real processes (the parent and its children) on the test database, real pynetdicom modalities
sending from threads of this process, each over its own association."""

import os
import signal
from collections import Counter

import pytest

from screening.imaging.listener_peers import SharedPeerCounts
from tests.imaging.listener_helpers import sample
from tests.imaging.listener_process_helpers import (
    association,
    database_for_children,
    listener_tree,
    send_concurrently,
)

pytestmark = pytest.mark.django_db(transaction=True)

SENDERS = 6


def ct_datasets(count: int) -> list:
    return [sample("CT_small.dcm") for _ in range(count)]


def test_concurrent_senders_store_every_instance_once_across_the_processes(tmp_path):
    url, counted = database_for_children(tmp_path)
    datasets = ct_datasets(48)
    resent = datasets[:6]  # sent again by other associations at the same time: kept once
    shares = [datasets[i::SENDERS] for i in range(SENDERS)]
    shares = [share + resent[i : i + 1] for i, share in enumerate(shares)]

    with listener_tree(tmp_path, 3, url) as tree:
        statuses = send_concurrently(tree.port, shares)

    assert statuses == [0x0000] * (len(datasets) + len(resent))
    stored = counted([str(ds.SOPInstanceUID) for ds in datasets])
    assert stored == {str(ds.SOPInstanceUID): 1 for ds in datasets}


def test_a_killed_listener_process_is_replaced_and_stopping_is_clean(tmp_path):
    url, counted = database_for_children(tmp_path)
    datasets = ct_datasets(8)

    with listener_tree(tmp_path, 2, url) as tree:
        first, second = tree.children()
        os.kill(first, signal.SIGKILL)
        tree.wait_for(lambda: first not in tree.children() and len(tree.children()) == 2, "replacement")
        tree.wait_for(lambda: tree.serving() >= 3, "the replacement serving")
        replacement = next(pid for pid in tree.children() if pid != second)
        statuses = send_concurrently(tree.port, [datasets[i::4] for i in range(4)])
        code = tree.stop()

    assert replacement != first
    assert statuses == [0x0000] * len(datasets)
    assert counted([str(ds.SOPInstanceUID) for ds in datasets]) == {
        str(ds.SOPInstanceUID): 1 for ds in datasets
    }
    assert code == 0
    for pid in (second, replacement):
        assert not os.path.exists(f"/proc/{pid}") or _zombie(pid)
    assert "exited (-9); restarting" in tree.log.read_text()


def test_the_per_peer_limit_holds_across_the_processes(tmp_path):
    url, _ = database_for_children(tmp_path)

    with listener_tree(tmp_path, 3, url, per_peer=2) as tree:
        held = [association(tree.port, ct_datasets(1)) for _ in range(2)]
        assert all(assoc.is_established for assoc in held)
        # Whichever process takes them, the peer already holds its two connections.
        refused = [association(tree.port, ct_datasets(1)) for _ in range(6)]
        established = [assoc.is_established for assoc in refused]
        for assoc in held + refused:
            if assoc.is_established:
                assoc.release()

    assert established == [False] * 6


def test_processes_see_each_others_connections_per_peer(tmp_path):
    path = tmp_path / "peers"
    first = SharedPeerCounts(path, 2, slots=4, index=0)
    second = SharedPeerCounts(path, 2, slots=4, index=1)

    with first.locked():
        first.publish(Counter({"10.0.0.1": 3, "10.0.0.2": 1}))
    with second.locked():
        seen = (second.others("10.0.0.1"), second.others("10.0.0.2"), second.others("10.0.0.3"))
    first.clear(0)
    with second.locked():
        after_clear = second.others("10.0.0.1")

    assert seen == (3, 1, 0)
    assert after_clear == 0


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")
    except OSError:
        return True
