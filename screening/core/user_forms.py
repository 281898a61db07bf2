"""Forms of the user management pages; the services validate passwords and roles."""

from django import forms
from django.contrib.auth import password_validation

from screening.core.roles import Role

CONFIRM_LABEL = "I confirm this combination of roles although it breaks separation of duties"


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    conflicts_confirmed = forms.BooleanField(required=False, label=CONFIRM_LABEL)


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_again = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:  # type: ignore[type-arg]
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password_again") not in (None, cleaned["password"]):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class UserCreateForm(PasswordForm, RolesForm):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)

    field_order = ["username", "first_name", "last_name", "email", "roles", "conflicts_confirmed"]

    def identity_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("username", "first_name", "last_name", "email")]
