"""The OCR check: does tesseract read text in the pixels about to be exported?

Running tesseract over a whole 3000 x 2400 mammogram costs seconds, so a numpy pre-screen first
finds where text could be: thin strokes (1 to 3 pixels wide at full size, up to 12 at quarter size)
that stand out from both sides by at least a quarter of the image's range. Tiles with enough such
stroke pixels are read by tesseract; when many tiles qualify the whole frame is read. The pre-screen
only ever decides where not to look, in blank or smooth areas: text of lower contrast than that, or
with strokes wider than 12 pixels, is the trade-off (docs/deidentification.md).
"""

import shutil

import numpy as np
from pydicom.dataset import Dataset

TILE = 128
STROKE_CONTRAST = 64  # of 255 after scaling the frame to its own range
STROKE_PIXELS_PER_TILE = 12
WHOLE_FRAME_SHARE = 0.4  # above this share of tiles, one tesseract call over the frame is cheaper
MAX_REGIONS = 6  # more separate regions than this: one call over the frame
MIN_CONFIDENCE = 60
EXTREME_LEVELS = 5  # of 255: the brightest and darkest levels, where annotations are usually drawn
EXTREME_SHARE = 0.1
MIN_WORD_CHARACTERS = 3


class OcrUnavailable(RuntimeError):
    """tesseract is not installed: the OCR check cannot run, so nothing is exported unchecked."""


def tesseract_path() -> str | None:
    """Where the tesseract binary is, or None."""
    return shutil.which("tesseract")


def _scaled(frame: np.ndarray) -> np.ndarray:
    """The frame as 8-bit grey over its own range (colour averaged)."""
    grey = frame.mean(axis=-1) if frame.ndim == 3 else frame
    grey = grey.astype(np.float32, copy=False)
    low, high = float(grey.min()), float(grey.max())
    if high <= low:
        return np.zeros(grey.shape, dtype=np.uint8)
    return ((grey - low) * (255.0 / (high - low))).astype(np.uint8)


def _strokes(image: np.ndarray, reach: int) -> np.ndarray:
    """Pixels brighter or darker than both neighbours `reach` away, across rows or across columns."""
    signed = image.astype(np.int16)
    found = np.zeros(image.shape, dtype=bool)
    for axis in (0, 1):
        before, after = np.roll(signed, reach, axis=axis), np.roll(signed, -reach, axis=axis)
        brighter = np.minimum(signed - before, signed - after)
        darker = np.minimum(before - signed, after - signed)
        found |= (brighter >= STROKE_CONTRAST) | (darker >= STROKE_CONTRAST)
    return found


def _tile_counts(mask: np.ndarray, tile: int) -> np.ndarray:
    rows, columns = -(-mask.shape[0] // tile), -(-mask.shape[1] // tile)
    padded = np.zeros((rows * tile, columns * tile), dtype=np.int32)
    padded[: mask.shape[0], : mask.shape[1]] = mask
    return padded.reshape(rows, tile, columns, tile).sum(axis=(1, 3))


def candidate_tiles(image: np.ndarray) -> np.ndarray:
    """Boolean grid of TILE-sized tiles where the pre-screen sees text-like strokes."""
    counts = _tile_counts(_strokes(image, 2), TILE)
    rows, columns = (image.shape[0] // 4) * 4, (image.shape[1] // 4) * 4
    if rows and columns:
        quarter = image[:rows, :columns].reshape(rows // 4, 4, columns // 4, 4).mean(axis=(1, 3))
        coarse = _tile_counts(_strokes(quarter.astype(np.uint8), 2), TILE // 4)
        counts[: coarse.shape[0], : coarse.shape[1]] += coarse * 4
    return counts >= STROKE_PIXELS_PER_TILE


def _words_found(image: np.ndarray) -> bool:
    import pytesseract
    from PIL import Image

    data = pytesseract.image_to_data(
        Image.fromarray(image), config="--psm 11", output_type=pytesseract.Output.DICT
    )
    for word, confidence in zip(data["text"], data["conf"], strict=True):
        characters = sum(character.isalnum() for character in word)
        if characters >= MIN_WORD_CHARACTERS and float(confidence) >= MIN_CONFIDENCE:
            return True
    return False


def _reads_text(image: np.ndarray) -> bool:
    """Tesseract over the grey image, then over its brightest and its darkest pixels alone.

    Annotations are mostly drawn at the extreme value; alone, as black on white, they read well
    even where the grey image puts them over anatomy. An extreme that covers a large share of the
    image is background (air), not lettering, and reading it alone only yields noise.
    """
    if min(image.shape) < 200:
        image = np.kron(image, np.ones((2, 2), dtype=np.uint8))
    if _words_found(np.pad(image, 16, mode="edge")):
        return True
    for extreme in (image >= 255 - EXTREME_LEVELS, image <= EXTREME_LEVELS):
        if 0 < extreme.mean() < EXTREME_SHARE and _words_found(
            np.pad(np.where(extreme, 0, 255).astype(np.uint8), 16, constant_values=255)
        ):
            return True
    return False


def tile_regions(tiles: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (top, left, bottom, right, in tiles) of the groups of touching candidate tiles."""
    unseen = {(int(row), int(column)) for row, column in zip(*np.nonzero(tiles), strict=True)}
    regions = []
    while unseen:
        stack = [unseen.pop()]
        rows, columns = [stack[0][0]], [stack[0][1]]
        while stack:
            row, column = stack.pop()
            for neighbour in ((row + dr, column + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)):
                if neighbour in unseen:
                    unseen.remove(neighbour)
                    stack.append(neighbour)
                    rows.append(neighbour[0])
                    columns.append(neighbour[1])
        regions.append((min(rows), min(columns), max(rows) + 1, max(columns) + 1))
    return regions


def frame_has_text(frame: np.ndarray) -> bool:
    """Whether tesseract reads a word in this frame, where the pre-screen sends it."""
    image = _scaled(frame)
    tiles = candidate_tiles(image)
    if not tiles.any():
        return False
    regions = tile_regions(tiles)
    if tiles.mean() > WHOLE_FRAME_SHARE or len(regions) > MAX_REGIONS:
        return _reads_text(image)
    margin = TILE // 4
    for top, left, bottom, right in regions:
        crop = image[
            max(top * TILE - margin, 0) : bottom * TILE + margin,
            max(left * TILE - margin, 0) : right * TILE + margin,
        ]
        if _reads_text(crop):
            return True
    return False


def pixels_have_text(dataset: Dataset) -> bool:
    """Whether any frame of the dataset shows text to tesseract (OcrUnavailable without it)."""
    if tesseract_path() is None:
        raise OcrUnavailable("tesseract is not installed (Debian: apt-get install tesseract-ocr)")
    pixels = dataset.pixel_array
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    samples = int(dataset.get("SamplesPerPixel", 1) or 1)
    if frames == 1:
        pixels = pixels[np.newaxis]
    if samples == 1 and pixels.ndim == 4:
        pixels = pixels[..., 0]
    return any(frame_has_text(frame) for frame in pixels)
