from django.apps import AppConfig


class PromotionConfig(AppConfig):
    name = "screening.promotion"
    label = "promotion"
    verbose_name = "Model versions in shadow, their comparison with the active model and the promotion gate"
