"""The inference worker's side of a job's images: the shared media folder when it holds them, else HTTP.

A message names each image by its storage name (older messages: an absolute path) and carries the
job's signed token (worker_access.py). A worker that shares the web side's media folder reads the
files in place (the fast path); one that does not (another machine, an object store on the web side)
fetches each instance, a few at a time, from the web side at INFERENCE_WEB_URL with the token,
retrying connection failures, timeouts and 5xx answers with backoff, into a folder of its own that
the caller removes.
Nothing here touches the database.
"""

import http.client
import logging
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from screening.inference_jobs.worker_inference import PermanentInputError

logger = logging.getLogger(__name__)

# The web side's route for one instance of a job (inference_jobs/urls.py, name "worker_instance").
WORKER_INSTANCE_PATH = "/inference/worker/jobs/{job_id}/instances/{instance_id}.dcm"
RETRY_BACKOFF_SECONDS = 0.5
PARALLEL_FETCHES = 4
RETRY_BACKOFF_MAX_SECONDS = 8.0
_CHUNK = 1024 * 1024


class FetchRefused(Exception):
    """The web side refused the job's token (expired, or the job is no longer active): retrying the
    same token cannot help; a new attempt of the job brings a new one."""


class FetchFailed(Exception):
    """The web side could not be reached, or failed, however often it was asked."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the token to another address: refuse it (set INFERENCE_WEB_URL to the
    address that answers)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def study_images(
    job: dict[str, Any],
    *,
    shared_file: Callable[[str], Path | None],
    web_url: str,
    into: Path,
    retries: int,
    timeout: float,
) -> list[tuple[str, Path]]:
    """(reference, local file) of each image of a job, in the message's order; `shared_file` says
    where this machine's media storage keeps a stored name (None: it keeps no local files)."""
    token = str(job.get("token") or "")
    images, fetches = [], []
    for index, (reference, name) in enumerate(job["images"]):
        local = Path(name) if Path(name).is_absolute() else shared_file(name)  # absolute: an older message
        if (local is not None and local.is_file()) or not (web_url and token):
            images.append((reference, local if local is not None else Path(name)))
            continue
        target = into / f"{index:05d}.dcm"
        url = web_url.rstrip("/") + WORKER_INSTANCE_PATH.format(job_id=job["job_id"], instance_id=reference)
        fetches.append((url, target))
        images.append((reference, target))
    if fetches:  # a CT volume is hundreds of requests: a few at a time hide the round trips
        with ThreadPoolExecutor(max_workers=min(len(fetches), PARALLEL_FETCHES)) as pool:
            futures = [
                pool.submit(
                    instance_fetch, url=url, token=token, target=target, retries=retries, timeout=timeout
                )
                for url, target in fetches
            ]
            try:
                for future in futures:
                    future.result()  # the first failure, in the message's order, ends the study
            except BaseException:
                pool.shutdown(cancel_futures=True)  # and the fetches not started yet
                raise
    return images


def instance_fetch(*, url: str, token: str, target: Path, retries: int, timeout: float) -> None:
    """Download one instance to `target`: up to `retries` more tries on transient failures."""
    last: Exception | None = None
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), RETRY_BACKOFF_MAX_SECONDS))
        try:
            _download(url, token, target, timeout)
            return
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise FetchRefused(f"{url}: {error.code}") from error
            if error.code == 404:
                raise PermanentInputError(f"image not served for this job: {url}") from error
            if error.code < 500 and error.code not in (408, 429):
                raise FetchFailed(f"{url}: HTTP {error.code}") from error
            last = error
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out, cut short
            last = error
        logger.warning("Fetching %s failed (try %s of %s): %s", url, attempt + 1, retries + 1, last)
    raise FetchFailed(f"{url}: {type(last).__name__}: {last}") from last


def _download(url: str, token: str, target: Path, timeout: float) -> None:
    if not url.startswith(("http://", "https://")):
        raise FetchFailed(f"INFERENCE_WEB_URL is not an http(s) address: {url}")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/dicom"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the scheme is checked above)
    with _opener.open(request, timeout=timeout) as response, target.open("wb") as out:
        shutil.copyfileobj(response, out, _CHUNK)
        expected = response.headers.get("Content-Length")
    if expected is not None and target.stat().st_size != int(expected):
        raise http.client.IncompleteRead(b"", int(expected) - target.stat().st_size)
