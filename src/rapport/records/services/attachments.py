"""Files attached to records, notes, tasks and messages, with versions of the same document (SPEC R9)."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from rapport.core import clock
from rapport.events import log
from rapport.events.log import object_type_of
from rapport.events.models import EventType
from rapport.records.models import Account, Activity, Attachment, Contact, Deal, Lead
from rapport.workspaces.models import Action, Member
from rapport.workspaces.permissions import require

MAX_SIZE = 25 * 1024 * 1024
# Notes, tasks and messages are activities, so these cover every record a file can hang on.
ATTACHABLE: dict[str, type[models.Model]] = {
    "account": Account,
    "contact": Contact,
    "lead": Lead,
    "deal": Deal,
    "activity": Activity,
}


def attachments_of(record: models.Model) -> QuerySet[Attachment]:
    """Every version of every file on `record`, newest upload first (the caller checked that the
    record is visible: attachments are as visible as the record they hang on)."""
    return Attachment.objects.filter(
        workspace_id=record.workspace_id,  # type: ignore[attr-defined]
        object_type=object_type_of(record),
        object_id=record.pk,
    ).order_by("-uploaded_at", "-id")


def _clean_name(file: Any) -> str:
    # Browsers may send a path; only the last part names the document.
    name = os.path.basename(str(getattr(file, "name", "") or "").replace("\\", "/")).strip()
    if not name or "\x00" in name:
        raise ValidationError({"file": _("The file has no usable name.")})
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name


@transaction.atomic
def attachment_upload(*, actor: Member, record: models.Model, file: UploadedFile | None, replaces: Attachment | None = None) -> Attachment:
    """Attach `file` to `record`. An upload with the name of a file already on the record, or one
    that `replaces` a given attachment, is the document's next version."""
    require(actor, Action.EDIT, record)
    object_type = object_type_of(record)
    if object_type not in ATTACHABLE:
        raise ValidationError({"file": _("Files cannot be attached to this kind of object.")})
    if file is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    if file.size is None or file.size > MAX_SIZE:
        raise ValidationError({"file": _("Files may be at most 25 MB.")})
    name = _clean_name(file)
    existing = attachments_of(record).select_for_update()
    if replaces is not None:
        previous = existing.filter(pk=replaces.pk).first()
        if previous is None:
            raise ValidationError({"replaces": _("That file is not attached to this record.")})
    else:
        previous = existing.filter(name=name).first()
    if previous is not None:
        # The newest version of the same document, whichever version the caller pointed at.
        previous = existing.filter(name=previous.name).first() or previous
    attachment = Attachment(
        workspace_id=record.workspace_id,  # type: ignore[attr-defined]
        object_type=object_type,
        object_id=record.pk,
        name=previous.name if previous is not None else name,
        content_type=(getattr(file, "content_type", "") or "")[:100],
        size=file.size,
        version=previous.version + 1 if previous is not None else 1,
        previous=previous,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    attachment.file.save(name, file, save=False)
    try:
        attachment.full_clean(validate_unique=False, validate_constraints=False)
        attachment.save()
        log.log(
            actor,
            record,
            EventType.LINKED,
            field="attachments",
            after={"id": attachment.pk, "name": attachment.name, "version": attachment.version},
        )
    except Exception:
        # Nothing refers to the stored file if the row is not written.
        attachment.file.delete(save=False)
        raise
    return attachment
