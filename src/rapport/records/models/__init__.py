"""CRM records: accounts, contacts, leads, pipelines, deals, activities, custom fields, tags."""

from .accounts import Account, AccountGroup, AccountKind, AccountType
from .activities import Activity, ActivityKind, Direction
from .attachments import Attachment
from .contacts import Contact
from .customfields import CustomFieldDefinition, CustomFieldType
from .deals import Deal, DealContact, DealStatus, StageChange
from .leads import Lead, LeadPriority, LeadSource, LeadStatus
from .pipelines import Pipeline, Stage
from .savedfilters import SavedFilter
from .tags import Tag

__all__ = [
    "Account", "AccountGroup", "Attachment", "AccountKind", "AccountType", "Activity", "ActivityKind", "Contact",
    "CustomFieldDefinition", "CustomFieldType", "Deal", "DealContact", "DealStatus", "Direction",
    "Lead", "LeadPriority", "LeadSource", "LeadStatus", "Pipeline", "SavedFilter", "Stage", "StageChange", "Tag",
]
