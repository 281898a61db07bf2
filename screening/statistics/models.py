"""What the KPIs are counted from: per-episode facts and their counts per campaign, month, round,
age band and vendor.

Both are derived from the episodes and their history (`episode_facts`), kept true by
`kpi_facts_services` in the transaction of every change to an episode (campaigns'
``episodes_changed``) and rebuilt from scratch by ``manage.py kpi_facts_rebuild``. The dashboard
and the API read a few thousand count rows instead of the episodes.
"""

from django.db import models

from screening.campaigns.models import Campaign, Episode

# The episode's images' maker and model (DICOM Manufacturer and ManufacturerModelName, 64 each).
VENDOR_LENGTH = 129
UNKNOWN_VENDOR = "unknown"


class EpisodeKpiFacts(models.Model):
    """One episode's facts: its subgroups, months and what it counts towards (dates in the site's zone)."""

    episode = models.OneToOneField(Episode, primary_key=True, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    screening_round = models.CharField(max_length=10)
    age_band = models.CharField(max_length=8)
    vendor = models.CharField(max_length=VENDOR_LENGTH, default=UNKNOWN_VENDOR)
    invited_month = models.DateField(null=True)
    attended = models.BooleanField()
    imaged_on = models.DateField(null=True)
    imaged_month = models.DateField(null=True)
    result = models.CharField(max_length=16, blank=True)
    technical_recall = models.BooleanField()
    resulted = models.BooleanField()
    within_standard = models.BooleanField()
    waiting = models.BooleanField()
    # The outcome (statistics/outcome_facts.py): the truth as settled by the outcome records (a
    # routine result's "true_negative" holds only once `window_ends_on` has passed), the first
    # cancer's months after screening, its kind, a biopsy, and the day each interval band's
    # follow-up is complete (none for a band past the programme's interval).
    truth = models.CharField(max_length=16, blank=True, default="")
    window_ends_on = models.DateField(null=True)
    months_to_cancer = models.FloatField(null=True)
    interval_band = models.SmallIntegerField(null=True)  # an interval cancer's band: 0-12, 12-24, 24-36
    cancer_kind = models.CharField(max_length=8, blank=True, default="")
    biopsied = models.BooleanField(default=False)
    band_0_12_ends_on = models.DateField(null=True)
    band_12_24_ends_on = models.DateField(null=True)
    band_24_36_ends_on = models.DateField(null=True)
    # The AI and the signed reads (statistics/read_facts.py): the latest AI result's score and
    # "name:version", the threshold and visibility the reads followed; per reading role the signer,
    # the signed result ("" without a signed read), the AI shown, the study's category.
    ai_score = models.FloatField(null=True)
    ai_model = models.CharField(max_length=151, blank=True, default="")
    ai_threshold = models.FloatField(null=True)
    ai_shown = models.BooleanField(null=True)
    first_reader = models.IntegerField(null=True)
    first_call = models.CharField(max_length=16, blank=True, default="")
    first_ai_shown = models.BooleanField(null=True)
    first_category = models.CharField(max_length=8, blank=True, default="")
    second_reader = models.IntegerField(null=True)
    second_call = models.CharField(max_length=16, blank=True, default="")
    second_ai_shown = models.BooleanField(null=True)
    second_category = models.CharField(max_length=8, blank=True, default="")
    arbitration_reader = models.IntegerField(null=True)
    arbitration_call = models.CharField(max_length=16, blank=True, default="")
    arbitration_ai_shown = models.BooleanField(null=True)
    arbitration_category = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(
                fields=["campaign", "imaged_on"], condition=models.Q(waiting=True), name="kpi_facts_waiting"
            ),
            models.Index(
                fields=["campaign", "imaged_month"], condition=~models.Q(truth=""), name="kpi_facts_truth"
            ),
            # The models that scored (the model version filter's choices, `models_in_scope`).
            models.Index(fields=["ai_model", "campaign"], name="kpi_facts_model"),
        ]

    def __str__(self) -> str:
        return f"KPI facts of episode {self.episode_id}"


class KpiMonthCounts(models.Model):
    """The KPI counts of one campaign, month, round, age band and vendor: invitations and attendance
    by the month of the invitation, the screening counts by the month of the images."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    screening_round = models.CharField(max_length=10)
    age_band = models.CharField(max_length=8)
    vendor = models.CharField(max_length=VENDOR_LENGTH, default=UNKNOWN_VENDOR)
    invited = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    screened = models.IntegerField(default=0)
    with_result = models.IntegerField(default=0)
    recalled = models.IntegerField(default=0)
    technical_recalls = models.IntegerField(default=0)
    resulted = models.IntegerField(default=0)
    within_standard = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "month", "screening_round", "age_band", "vendor"],
                name="kpi_month_counts_key",
            )
        ]

    def __str__(self) -> str:
        subgroup = f"{self.screening_round} {self.age_band} {self.vendor}"
        return f"KPI counts {self.campaign_id} {self.month:%Y-%m} {subgroup}"
