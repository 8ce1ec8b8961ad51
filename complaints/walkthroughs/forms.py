"""The officer's walkthrough form: the record, its steps, the checklist and the
findings in one page, every field optional until submission."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.forms import MultipleFileField
from complaints.models import (
    ChecklistAnswer,
    Finding,
    ProblemCategory,
    Walkthrough,
    WalkthroughTheme,
    WalkthroughWalker,
)
from complaints.walkthroughs import services as services
from portal.forms import EmptyChoiceLabelMixin
from portal.models import Department


def _with_departments(names: list[str]) -> list[str]:
    """The record's fields with the departments crossed (交叉走) right after the project."""
    at = names.index("project") + 1
    return [*names[:at], "departments", *names[at:]]


class WalkthroughForm(EmptyChoiceLabelMixin, forms.ModelForm):
    class Meta:
        model = Walkthrough
        fields = _with_departments(services.WALKTHROUGH_FIELDS)
        help_texts = {
            "project": _("带项目交叉走：多个部门负责人带着同一个项目共同走流程时填写"),
            "departments": _("带办项目经过的各个部门"),
        }
        widgets = {
            "departments": forms.CheckboxSelectMultiple,
            "walked_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "started_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ended_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["theme"].queryset = WalkthroughTheme.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["departments"].queryset = Department.objects.filter(is_active=True)

    def _post_clean(self):
        # The service validates and saves; a draft may be incomplete.
        pass


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").replace("，", "\n").replace(",", "\n").splitlines() if line.strip()]


class StepForm(forms.Form):
    action = forms.CharField(label=_("办理环节"), max_length=200, required=False)
    minutes_waited = forms.IntegerField(label=_("等候（分钟）"), min_value=0, max_value=24 * 60, required=False)
    minutes_handled = forms.IntegerField(label=_("办理（分钟）"), min_value=0, max_value=24 * 60, required=False)
    trips_to_other_windows = forms.IntegerField(
        label=_("跑其他窗口（次）"), min_value=0, max_value=50, required=False, initial=0
    )
    materials_needed = forms.CharField(
        label=_("索要的材料（确有必要）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一项"),
    )
    materials_unneeded = forms.CharField(
        label=_("索要的材料（并无必要）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行一项"),
    )


StepFormSet = forms.formset_factory(StepForm, extra=0, can_delete=True, max_num=50, validate_max=True)


class WalkerForm(EmptyChoiceLabelMixin, forms.Form):
    """Someone who walked with the officer: picked from the staff accounts or typed.
    Who leads is one radio across the rows (``walkers-leader``, the row's index)."""

    user = forms.TypedChoiceField(label=_("从账号中选择"), coerce=int, required=False, empty_value=None)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False, help_text=_("选择了账号可不填"))
    unit = forms.CharField(label=_("单位职务"), max_length=100, required=False, help_text=_("如：市数据资源局局长"))
    role = forms.ChoiceField(
        label=_("体验方式"), choices=WalkthroughWalker.Role.choices, initial=WalkthroughWalker.Role.AS_APPLICANT
    )

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The accounts are read once for the whole formset (a query per row otherwise).
        self.accounts = accounts or {}
        self.fields["user"].choices = [
            ("", _("不选，手动填写")),
            *((pk, str(account)) for pk, account in self.accounts.items()),
        ]

    def clean_user(self):
        pk = self.cleaned_data.get("user")
        return self.accounts.get(pk) if pk is not None else None


WalkerFormSet = forms.formset_factory(WalkerForm, extra=0, can_delete=True, max_num=20, validate_max=True)


class FindingForm(EmptyChoiceLabelMixin, forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(label=_("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    cause = forms.CharField(
        label=_("产生原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("逐一分析产生原因，提交时必填"),
    )
    fixed_on_spot = forms.BooleanField(
        label=_("当场整改"),
        required=False,
        help_text=_("问题在体验现场已整改到位的请勾选：计入已解决，无需转为诉求件"),
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Finding.Severity.choices, initial=Finding.Severity.LOW)
    question = forms.ModelChoiceField(label=_("对应检查项"), queryset=None, required=False)
    category = forms.ModelChoiceField(
        label=_("问题分类"), queryset=ProblemCategory.objects.filter(is_active=True), required=False
    )
    photos = MultipleFileField(label=_("照片"), required=False)

    def __init__(self, *args, questions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = questions
        self.fields["photos"].widget.attrs["accept"] = "image/*"


FindingFormSet = forms.formset_factory(FindingForm, extra=0, can_delete=True, max_num=30, validate_max=True)


class AnswersForm(forms.Form):
    """One yes / no / not-applicable choice and a comment per checklist question."""

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = forms.ChoiceField(
                label=f"{question.order}. {question.display_name}",
                choices=ChecklistAnswer.Answer.choices,
                widget=forms.RadioSelect(attrs={"data-problem-answer": question.problem_answer}),
                required=False,
            )
            self.fields[f"c_{question.pk}"] = forms.CharField(label=_("说明"), max_length=500, required=False)

    def rows(self):
        """(question, choice field, comment field) for the template."""
        return [(q, self[f"q_{q.pk}"], self[f"c_{q.pk}"]) for q in self.questions]

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            q.pk: (self.cleaned_data.get(f"q_{q.pk}") or "", self.cleaned_data.get(f"c_{q.pk}") or "")
            for q in self.questions
        }


class WalkthroughBundle:
    """The five parts of the page as one form: bound together, valid together, saved together."""

    def __init__(self, data=None, files=None, *, walkthrough: Walkthrough, autosave: bool = False):
        self.walkthrough = walkthrough
        self.autosave = autosave
        self.extra_errors: list[str] = []
        accounts = {account.pk: account for account in services.walker_accounts().exclude(pk=walkthrough.officer_id)}
        # A page loaded before walkers existed posts none: its walkers stay as they are.
        self.walkers_posted = data is None or "walkers-TOTAL_FORMS" in data
        self.leader = (data.get("walkers-leader") or "") if data is not None else self._leader_initial()
        questions = list(walkthrough.checklist.questions.all()) if walkthrough.checklist_id else []
        self.questions = questions
        question_queryset = walkthrough.checklist.questions.all() if walkthrough.checklist_id else None
        if data is None:
            self.main = WalkthroughForm(instance=walkthrough, prefix="w")
            self.steps = StepFormSet(prefix="steps", initial=self._step_initial())
            self.answers = AnswersForm(prefix="a", questions=questions, initial=self._answer_initial())
            self.findings = FindingFormSet(
                prefix="findings", initial=self._finding_initial(), form_kwargs={"questions": question_queryset}
            )
            self.walkers = WalkerFormSet(
                prefix="walkers", initial=self._walker_initial(), form_kwargs={"accounts": accounts}
            )
        else:
            self.main = WalkthroughForm(data, instance=walkthrough, prefix="w")
            self.steps = StepFormSet(data, prefix="steps")
            self.answers = AnswersForm(data, prefix="a", questions=questions)
            self.findings = FindingFormSet(
                data, None if autosave else files, prefix="findings", form_kwargs={"questions": question_queryset}
            )
            self.walkers = WalkerFormSet(
                data if self.walkers_posted else None, prefix="walkers", form_kwargs={"accounts": accounts}
            )

    def _step_initial(self):
        rows: list[dict] = []
        if self.walkthrough.pk is None:  # not saved yet: nothing to show
            return rows
        for step in self.walkthrough.steps.all():
            materials = list(step.materials.all())
            rows.append(
                {
                    "action": step.action,
                    "minutes_waited": step.minutes_waited,
                    "minutes_handled": step.minutes_handled,
                    "trips_to_other_windows": step.trips_to_other_windows,
                    "materials_needed": "\n".join(m.name for m in materials if m.is_necessary),
                    "materials_unneeded": "\n".join(m.name for m in materials if not m.is_necessary),
                }
            )
        return rows

    def _answer_initial(self):
        initial: dict[str, str] = {}
        if self.walkthrough.pk is None:
            return initial
        for answer in self.walkthrough.answers.all():
            initial[f"q_{answer.question_id}"] = answer.answer
            initial[f"c_{answer.question_id}"] = answer.comment
        return initial

    def _saved_walkers(self) -> list[WalkthroughWalker]:
        if self.walkthrough.pk is None:
            return []
        return list(self.walkthrough.walkers.all())

    def _walker_initial(self):
        return [
            {"user": walker.user_id, "name": walker.name, "unit": walker.unit, "role": walker.role}
            for walker in self._saved_walkers()
        ]

    def _leader_initial(self) -> str:
        leaders = [index for index, walker in enumerate(self._saved_walkers()) if walker.is_leader]
        return str(leaders[0]) if leaders else ""

    def walker_rows(self):
        """(index, form, is leader) per walker row, for the template's leader radio."""
        return [(index, form, str(index) == self.leader) for index, form in enumerate(self.walkers.forms)]

    def _finding_initial(self):
        if self.walkthrough.pk is None:
            return []
        return [
            {
                "id": finding.pk,
                "description": finding.description,
                "cause": finding.cause,
                "fixed_on_spot": finding.fixed_on_spot,
                "severity": finding.severity,
                "question": finding.question_id,
                "category": finding.category_id,
            }
            for finding in self.walkthrough.findings.all()
        ]

    def is_valid(self) -> bool:
        results = [self.main.is_valid(), self.steps.is_valid(), self.answers.is_valid(), self.findings.is_valid()]
        if self.walkers_posted:
            results.append(self.walkers.is_valid())
        return all(results)

    def has_input(self) -> bool:
        """Whether the officer has entered anything: a walkthrough not yet saved is
        stored only from its first input, so a tap on 开始走流程 leaves no empty draft."""
        answered = any(answer or comment for answer, comment in self.answers.answers().values())
        return (
            self.main.has_changed()
            or any(form.has_changed() for form in self.steps.forms)
            or answered
            or any(row.get("description") for row in self.findings.cleaned_data if row)
            or (self.walkers_posted and any(form.has_changed() for form in self.walkers.forms))
        )

    def save(self, *, actor) -> list[int | None]:
        """Save the draft; returns the findings' ids in form order (for the autosave script)."""
        main = {name: self.main.cleaned_data.get(name) for name in services.WALKTHROUGH_FIELDS}
        steps = [
            {
                **row,
                "materials": [(name, True) for name in _lines(row.get("materials_needed"))]
                + [(name, False) for name in _lines(row.get("materials_unneeded"))],
            }
            for row in self.steps.cleaned_data
            if row and not row.get("DELETE")
        ]
        findings = [dict(row) for row in self.findings.cleaned_data]
        walkers = None
        if self.walkers_posted:
            walkers = [
                {**row, "is_leader": str(index) == self.leader}
                for index, row in enumerate(self.walkers.cleaned_data)
                if row and not row.get("DELETE")
            ]
        services.walkthrough_save_draft(
            walkthrough=self.walkthrough,
            actor=actor,
            fields=main,
            steps=steps,
            answers=self.answers.answers(),
            findings=findings,
            walkers=walkers,
            departments=list(self.main.cleaned_data.get("departments") or []),
        )
        if not self.autosave:
            saved = {finding.pk: finding for finding in Finding.objects.filter(walkthrough=self.walkthrough)}
            for row in findings:
                for upload in row.get("photos") or []:
                    if row.get("id") in saved:
                        services.finding_photo_add(finding=saved[row["id"]], actor=actor, upload=upload)
        return [row.get("id") for row in findings]

    def add_errors(self, messages: list[str]) -> None:
        self.extra_errors.extend(messages)

    def error_messages(self) -> list[str]:
        messages = list(self.extra_errors)
        walker_forms = self.walkers.forms if self.walkers_posted else []
        for form in [self.main, self.answers, *walker_forms, *self.steps.forms, *self.findings.forms]:
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                messages.extend(f"{label}：{error}" if label else error for error in errors)
        messages.extend(self.steps.non_form_errors())
        messages.extend(self.findings.non_form_errors())
        if self.walkers_posted:
            messages.extend(self.walkers.non_form_errors())
        return messages


class PromoteForm(EmptyChoiceLabelMixin, forms.Form):
    """Department and category, prefilled from the walkthrough and the finding."""

    department = forms.ModelChoiceField(
        label=_("承办单位"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        help_text=_("选择后直接交办；不选则只受理，稍后在诉求件页面交办。"),
    )
    category = forms.ModelChoiceField(
        label=_("问题分类"),
        queryset=ProblemCategory.objects.filter(is_active=True),
        required=False,
        help_text=_("不选则按“审批服务”登记。"),
    )
