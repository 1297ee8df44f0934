from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from taxlight.notifications import kinds
from taxlight.notifications.addresses import channel_of_address, normalise
from taxlight.notifications.kinds import Category, Channel
from taxlight.notifications.models import MessageTemplate, Status
from taxlight.notifications.rendering import check_syntax


def category_channels() -> dict[Category, list[Channel]]:
    """For each category, the channels its kinds use (in the order of Channel)."""
    used: dict[Category, set[Channel]] = {}
    for kind in kinds.KINDS.values():
        used.setdefault(kind.category, set()).update(kind.channels)
    return {cat: [ch for ch in Channel if ch in used[cat]] for cat in Category if cat in used}


def field_name(category: str, channel: str) -> str:
    return f"receive_{category}_{channel}"


class PreferencesForm(forms.Form):
    """One checkbox per optional category and channel: ticked = receive."""

    def __init__(self, *args: Any, current: dict[tuple[str, str], bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional = set(kinds.optional_categories())
        self.matrix: list[tuple[Category, list[tuple[Channel, Any]]]] = []
        for cat, channels in category_channels().items():
            row: list[tuple[Channel, Any]] = []
            for ch in channels:
                if cat in optional:
                    name = field_name(cat, ch)
                    self.fields[name] = forms.BooleanField(
                        label=f"{cat.label} · {ch.label}",
                        required=False,
                        initial=not current.get((cat.value, ch.value), False),
                    )
                    row.append((ch, self[name]))
                else:
                    row.append((ch, None))  # cannot be turned off
            self.matrix.append((cat, row))

    def choices(self) -> list[tuple[str, str, bool]]:
        """(category, channel, opted_out) for every optional pair."""
        out = []
        for cat, row in self.matrix:
            for ch, bound in row:
                if bound is not None:
                    out.append((cat.value, ch.value, not self.cleaned_data.get(bound.name, False)))
        return out


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kinds.choices()]  # type: ignore[attr-defined]


class TestMessageForm(forms.Form):
    address = forms.CharField(
        label=_("Mobile number or e-mail address"),
        max_length=254,
        help_text=_("A test message is sent to this address at once (quiet hours apply to SMS)."),
    )

    def clean_address(self) -> str:
        raw = self.cleaned_data["address"].strip()
        channel = channel_of_address(raw)
        clean = normalise(channel, raw)
        if clean is None:
            if channel == Channel.EMAIL:
                raise forms.ValidationError(_("Enter a valid e-mail address."))
            raise forms.ValidationError(
                _("Enter a valid mainland mobile number, such as 13812345678.")
            )
        return clean


class MessageTemplateForm(forms.ModelForm[MessageTemplate]):
    kind = forms.ChoiceField(label=_("Kind"))

    class Meta:
        model = MessageTemplate
        fields = ["kind", "channel", "language", "subject", "body", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds.choices()  # type: ignore[attr-defined]

    def _check(self, name: str) -> str:
        text: str = self.cleaned_data.get(name, "")
        try:
            check_syntax(text)
        except Exception as exc:
            raise forms.ValidationError(
                _("This is not a valid template: %(error)s") % {"error": exc}
            ) from exc
        return text

    def clean_subject(self) -> str:
        return self._check("subject")

    def clean_body(self) -> str:
        return self._check("body")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, channel = data.get("kind"), data.get("channel")
        if kind and channel and channel not in kinds.get(kind).channels:
            self.add_error("channel", _("This kind is not sent on this channel."))
        return data
