from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from studysite.models import User, time_zone_choices


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text="Only used to reset your password."
    )
    time_zone = forms.ChoiceField(choices=time_zone_choices, initial="UTC")
    day_start_hour = forms.IntegerField(
        min_value=0,
        max_value=23,
        initial=4,
        help_text="When your study day begins (0-23).",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "time_zone", "day_start_hour")


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices)

    class Meta:
        model = User
        fields = ("email", "time_zone", "day_start_hour")
