"""CRM records: accounts, contacts, leads, pipelines, deals, activities, custom fields, tags."""

from .accounts import Account, AccountGroup, AccountKind, AccountType
from .activities import Activity, ActivityKind, Direction
from .contacts import Contact
from .customfields import CustomFieldDefinition, CustomFieldType
from .deals import Deal, DealContact, DealStatus, StageChange
from .leads import Lead, LeadPriority, LeadSource, LeadStatus
from .pipelines import Pipeline, Stage
from .tags import Tag

__all__ = [
    "Account", "AccountGroup", "AccountKind", "AccountType", "Activity", "ActivityKind", "Contact",
    "CustomFieldDefinition", "CustomFieldType", "Deal", "DealContact", "DealStatus", "Direction",
    "Lead", "LeadPriority", "LeadSource", "LeadStatus", "Pipeline", "Stage", "StageChange", "Tag",
]
