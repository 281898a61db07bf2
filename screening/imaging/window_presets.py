"""Window/level presets per modality: what a reader can switch between on the image view."""

from dataclasses import dataclass

# Named choices that are not a fixed window: the file's own VOI (LUT or window), else an automatic
# percentile window; and the automatic window even when the file carries one.
DEFAULT = "default"
AUTO = "auto"


@dataclass(frozen=True)
class WindowPreset:
    name: str
    label: str
    center: float | None = None
    width: float | None = None

    @property
    def is_fixed(self) -> bool:
        return self.center is not None and self.width is not None


_FILE_OR_AUTO = WindowPreset(DEFAULT, "As acquired")
_AUTO = WindowPreset(AUTO, "Automatic")

# CT values are Hounsfield units (after the modality LUT).
PRESETS_BY_MODALITY: dict[str, list[WindowPreset]] = {
    "CT": [
        _FILE_OR_AUTO,
        WindowPreset("lung", "Lung", center=-600, width=1500),
        WindowPreset("mediastinum", "Mediastinum / soft tissue", center=40, width=400),
        WindowPreset("bone", "Bone", center=400, width=1800),
        _AUTO,
    ],
    "MG": [_FILE_OR_AUTO, _AUTO],
}
_OTHER = [_FILE_OR_AUTO, _AUTO]


def window_presets(modality: str) -> list[WindowPreset]:
    """The presets offered for a modality, the default first."""
    return PRESETS_BY_MODALITY.get(modality.upper(), _OTHER)


def window_preset(modality: str, name: str | None) -> WindowPreset:
    """The named preset of a modality (the default when no name is given); ValueError if unknown."""
    if not name:
        return _FILE_OR_AUTO
    for preset in window_presets(modality):
        if preset.name == name:
            return preset
    raise ValueError(f"No window preset {name!r} for modality {modality or 'unknown'}.")
