"""Workbench pages of the imports: the list, one import with its problems, the upload.

They read import records only, never the analytics store's tables."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from taxlight.authz.access import requires
from taxlight.authz.scoping import has_perm
from taxlight.extract import services
from taxlight.extract.models import ExtractImport
from taxlight.extract.problems import label

PER_PAGE = 30


class UploadForm(forms.Form):
    archive = forms.FileField(
        label=gettext_lazy("Extract (.zip)"),
        help_text=gettext_lazy(
            "A .zip of the extract's folder: manifest.json and the table files."
        ),
    )

    def clean_archive(self) -> object:
        archive = self.cleaned_data["archive"]
        if not archive.name.lower().endswith(".zip"):
            raise forms.ValidationError(_("Choose a .zip file."))
        if archive.size > services.upload_limit():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": services.upload_limit() // 1024**2}
            )
        return archive


@requires("extract.view_imports")
def import_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(ExtractImport.objects.select_related("actor"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "extract/import_list.html",
        {"page": page, "can_import": has_perm(request.user, "extract.import")},
    )


@requires("extract.view_imports")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(ExtractImport.objects.select_related("actor"), pk=pk)
    kinds = sorted(
        ((label(code), n) for code, n in (rec.problem_counts or {}).items()), key=lambda k: -k[1]
    )
    counts = [(table, c) for table, c in (rec.counts or {}).items()]
    return render(
        request,
        "extract/import_detail.html",
        {
            "rec": rec,
            "problems": rec.problem_list(),
            "kinds": kinds,
            "counts": counts,
            "shown": len(rec.problems or []),
            "has_report": bool(rec.report_file) and Path(rec.report_file).is_file(),
        },
    )


@requires("extract.view_imports")
def problem_report(request: HttpRequest, pk: int) -> FileResponse:
    rec = get_object_or_404(ExtractImport, pk=pk)
    path = Path(rec.report_file) if rec.report_file else None
    if (
        path is None
        or not path.is_file()
        or not path.resolve().is_relative_to(services.imports_dir().resolve())
    ):
        raise Http404(_("This import has no problem report."))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{rec.pk}-problems.csv",
        content_type="text/csv",
    )


@requires("extract.import")
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            rec = services.start_upload(upload=form.cleaned_data["archive"], actor=request.user)
        except services.UploadError as exc:
            form.add_error("archive", str(exc))
        except services.ImportBusy as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("extract:import", pk=rec.pk)
    return render(
        request,
        "extract/upload.html",
        {"form": form, "limit_mb": services.upload_limit() // 1024**2},
        status=400 if form.errors else 200,
    )
