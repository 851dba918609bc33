"""Database models. Importing this package registers every table on ``Model.metadata``."""

from app.models.accounts import SuyuanUser
from app.models.catalog import Category, Product, ProductImage
from app.models.codes import Batch, CodeRequest, ExportJob, TraceCode
from app.models.content import Article, Favorite, Feedback
from app.models.enterprise import Enterprise, EnterpriseMember, StaffInvitation
from app.models.trace import ScanLog, Shipment, TraceEvent

__all__ = [
    "Article",
    "Batch",
    "Category",
    "CodeRequest",
    "Enterprise",
    "EnterpriseMember",
    "ExportJob",
    "Favorite",
    "Feedback",
    "Product",
    "ProductImage",
    "ScanLog",
    "Shipment",
    "StaffInvitation",
    "SuyuanUser",
    "TraceCode",
    "TraceEvent",
]
