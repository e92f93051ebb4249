"""Every write to CRM records goes through these functions (see docs/ARCHITECTURE.md)."""

from .accounts import (
    account_archive,
    account_create,
    account_delete,
    account_favourite,
    account_update,
)
from .activities import activity_complete, activity_create, activity_delete, activity_update
from .attachments import attachment_upload
from .bulk import (
    BulkRefused,
    BulkResult,
    bulk_delete,
    bulk_move,
    bulk_set_owner,
    bulk_set_status,
    bulk_tag,
    bulk_update,
)
from .contacts import contact_anonymise, contact_create, contact_delete, contact_update
from .deals import (
    deal_contact_link,
    deal_contact_unlink,
    deal_create,
    deal_delete,
    deal_mark_lost,
    deal_mark_won,
    deal_move,
    deal_reopen,
    deal_update,
)
from .leads import (
    Qualified,
    lead_archive,
    lead_create,
    lead_delete,
    lead_disqualify,
    lead_qualify,
    lead_update,
)
from .savedfilters import saved_filter_create, saved_filter_delete, saved_filter_update
from .setup import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    pipeline_create,
    pipeline_delete,
    pipeline_update,
    stage_create,
    stage_delete,
    stage_update,
    tag_create,
    tag_delete,
    tag_update,
)

__all__ = [
    "Qualified", "account_archive", "account_create", "account_delete", "account_favourite", "account_update",
    "activity_complete", "activity_create", "activity_delete", "activity_update", "contact_anonymise",
    "contact_create", "contact_delete", "contact_update", "custom_field_create", "custom_field_delete",
    "custom_field_update", "deal_contact_link", "deal_contact_unlink", "deal_create", "deal_delete",
    "deal_mark_lost", "deal_mark_won", "deal_move", "deal_reopen", "deal_update", "lead_archive",
    "lead_create", "lead_delete", "lead_disqualify", "lead_qualify", "lead_update", "pipeline_create",
    "pipeline_delete", "pipeline_update", "stage_create", "stage_delete", "stage_update", "tag_create",
    "tag_delete", "tag_update",
    "attachment_upload", "BulkRefused", "BulkResult", "bulk_delete", "bulk_move", "bulk_set_owner",
    "bulk_set_status", "bulk_tag", "bulk_update", "saved_filter_create", "saved_filter_delete",
    "saved_filter_update",
]
