"""List the model registry: each model's card figures and whether its weights match their checksum."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from screening.inference_jobs.model_choice import model_root


class Command(BaseCommand):
    help = (
        "List the AI models under INFERENCE_MODEL_ROOT (name, version, programme, AUC, thresholds, checksum)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-checksum", action="store_true", help="Do not hash the weights files.")

    def handle(self, *args: Any, **options: Any) -> None:
        from inference.registry import ModelRegistryError, registry_problems, registry_scan, weights_verify

        root = model_root()
        self.stdout.write(f"Models under {root}")
        cards = registry_scan(root)
        columns = ("name", 24), ("version", 10), ("programme", 10), ("AUC (95% CI)", 22)
        header = " ".join(f"{title:<{width}}" for title, width in columns)
        self.stdout.write(f"{header} {'high':>6} {'low':>6}  checksum")
        for card in cards:
            if options["no_checksum"]:
                checksum = "not checked"
            else:
                try:
                    weights_verify(card)
                    checksum = "OK"
                except ModelRegistryError:
                    checksum = "MISMATCH"
                except OSError as error:
                    checksum = f"unreadable ({error.strerror})"
            self.stdout.write(
                f"{card.name:<24} {card.version:<10} {card.programme:<10} {_auc(card.metrics):<22} "
                f"{card.thresholds['high']:>6.3f} {card.thresholds['low']:>6.3f}  {checksum}"
            )
        if not cards:
            self.stdout.write("(no valid model)")
        problems = registry_problems(root)
        if problems:
            self.stdout.write("Problems:")
            for folder, problem in problems:
                self.stdout.write(f"  {folder}: {problem}")


def _auc(metrics: dict[str, Any]) -> str:
    """'0.953 (0.91-0.99)' from the card's metrics (``auc`` and ``auc_ci95``)."""
    auc, ci = metrics.get("auc"), metrics.get("auc_ci95")
    if not isinstance(auc, int | float):
        return "-"
    if isinstance(ci, list | tuple) and len(ci) == 2:
        return f"{auc:.3f} ({ci[0]:.2f}-{ci[1]:.2f})"
    return f"{auc:.3f}"
