"""Admin pages for content: news and announcements, and the users' feedback."""

from __future__ import annotations

from flask import request
from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, TextAreaField

from app.content import prepare_article
from app.models import Article, Feedback
from app.models.content import ArticleKind
from views.display import DisplayInterface

# Admin only: the Admin role receives every permission by itself (see sync_roles).
PERMISSIONS: dict[str, list[tuple[str, str]]] = {}

ARTICLE_KINDS = [(ArticleKind.NEWS.value, _l("News")), (ArticleKind.ANNOUNCEMENT.value, _l("Announcement"))]


def article_kind_label(value: str) -> str:
    """Return the translated name of an article type from its stored value."""
    return str(dict(ARTICLE_KINDS).get(value, value))


def optional_checkbox(label) -> BooleanField:
    """Return a checkbox that may stay unticked. FAB makes the checkbox of a
    non-nullable Boolean column required, which rejects False."""
    return BooleanField(label, default=False)


class ArticleAdminView(ModelView):
    """News and announcements shown on the H5 pages. The body is sanitised on save and the
    cover image goes through the upload checks."""

    datamodel = DisplayInterface(Article)
    route_base = "/admin/articles"
    list_title = _l("News and announcements")
    add_title = _l("Add article")
    edit_title = _l("Edit article")
    show_title = _l("Article")
    list_columns = ["title", "kind", "published", "published_at", "created_at"]
    show_columns = ["title", "kind", "published", "published_at", "cover_file", "body_html", "created_at"]
    add_columns = ["kind", "title", "cover", "body_html", "published"]
    edit_columns = add_columns
    search_columns = ["title", "kind", "published"]
    # The type is stored by value ("news") while FAB's enum search field expects member
    # names ("NEWS"), so the search form gets a plain select of the stored values.
    search_form_extra_fields = {"kind": SelectField(_l("Type"), choices=ARTICLE_KINDS)}
    formatters_columns = {"kind": article_kind_label}
    base_order = ("created_at", "desc")
    # NOTE: the body is edited as HTML in a plain text area: no editor script is bundled
    # yet, and none may be loaded from another host.
    add_form_extra_fields = {
        "kind": SelectField(_l("Type"), choices=ARTICLE_KINDS),
        "cover": FileField(_l("Cover image"), description=_l("JPEG, PNG, WEBP or GIF, up to 5 MB.")),
        "body_html": TextAreaField(
            _l("Body"), description=_l("HTML is allowed; scripts, styles and outside images are removed.")
        ),
        "published": optional_checkbox(_l("Published")),
    }
    edit_form_extra_fields = add_form_extra_fields
    label_columns = {
        "title": _l("Title"),
        "kind": _l("Type"),
        "published": _l("Published"),
        "published_at": _l("Published at"),
        "created_at": _l("Created at"),
        "cover_file": _l("Cover image"),
        "cover": _l("Cover image"),
        "body_html": _l("Body"),
    }

    def pre_add(self, item: Article) -> None:
        prepare_article(item, request.files.get("cover"))

    def pre_update(self, item: Article) -> None:
        prepare_article(item, request.files.get("cover"))


class FeedbackAdminView(ModelView):
    """Feedback sent by users from the "me" page; the admin marks it handled."""

    datamodel = DisplayInterface(Feedback)
    route_base = "/admin/feedback"
    base_permissions = ["can_list", "can_show", "can_edit", "can_delete"]
    list_title = _l("Feedback")
    show_title = _l("Feedback")
    edit_title = _l("Mark feedback as handled")
    list_columns = ["created_at", "user", "content", "contact", "handled"]
    show_columns = list_columns
    edit_columns = ["handled"]
    edit_form_extra_fields = {"handled": optional_checkbox(_l("Handled"))}
    search_columns = ["content", "contact", "handled"]
    base_order = ("created_at", "desc")
    label_columns = {
        "created_at": _l("Sent at"),
        "user": _l("User"),
        "content": _l("Feedback"),
        "contact": _l("Contact"),
        "handled": _l("Handled"),
    }


def register(app, appbuilder) -> None:
    appbuilder.add_view(
        ArticleAdminView,
        "News and announcements",
        label=_l("News and announcements"),
        icon="fa-newspaper-o",
        category="Content",
        category_label=_l("Content"),
    )
    appbuilder.add_view(
        FeedbackAdminView,
        "Feedback",
        label=_l("Feedback"),
        icon="fa-comments",
        category="Content",
    )
