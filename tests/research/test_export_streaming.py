"""The package is written and served streaming from disk: in a process whose address space is
capped well below the package's size, the zip is still built, canary-scanned as it is written (the
one identifier planted in its last file is found) and its download still served whole."""

import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

PACKAGE_MIB = 160
HEADROOM_MIB = 48  # the cap: what the process held after start-up plus this

SCRIPT = textwrap.dedent(
    """
    import hashlib, os, resource, sys
    from pathlib import Path

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "screening.config.settings.test")
    import django

    django.setup()
    from django.http import FileResponse

    from screening.research.deid.canary_scan import CanaryMatcher
    from screening.research.package_files import PackageMember, package_zip_stream

    root, package_mib, headroom_mib = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with open("/proc/self/statm") as statm:
        held = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    cap = held + headroom_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        bytearray(package_mib * 1024 * 1024)
    except MemoryError:
        print("capped")
    folder = root / "package"
    folder.mkdir()
    block = os.urandom(1024 * 1024)
    for number in range(package_mib // 16):
        with open(folder / f"image-{number}.dcm", "wb") as handle:
            for _ in range(16):
                handle.write(block)
    with open(folder / f"image-{number}.dcm", "ab") as handle:
        handle.write(b"^Featherstonehaugh^")
    matcher = CanaryMatcher(["Featherstonehaugh", "1.2.826.0.1.3680043.10.99.7"])
    members = [PackageMember.whole_file(path.name, path) for path in sorted(folder.iterdir())]
    written = package_zip_stream(members, root / "package.zip", prefix="research-export-1", matcher=matcher)
    size, sha256 = written.size, written.sha256
    print([written.member_at(hit.offset) for hit in written.hits])
    response = FileResponse((root / "package.zip").open("rb"))
    served, digest = 0, hashlib.sha256()
    for chunk in response.streaming_content:
        served += len(chunk)
        digest.update(chunk)
    response.close()
    print(size > package_mib * 1024 * 1024, served == size, digest.hexdigest() == sha256)
    """
)


def test_a_package_larger_than_the_memory_cap_is_built_and_served(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(PACKAGE_MIB), str(HEADROOM_MIB)],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    last = f"image-{PACKAGE_MIB // 16 - 1}.dcm"
    assert result.stdout.split() == ["capped", f"['{last}']", "True", "True", "True"]
