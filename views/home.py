"""The back-office home page."""

from __future__ import annotations

from flask_appbuilder import IndexView, expose
from flask_login import current_user
from sqlalchemy import func, select

from app.enterprises import application_of
from app.extensions import db
from app.models import Enterprise
from app.models.enterprise import EnterpriseStatus
from app.security import is_admin, membership_of


class BackOfficeIndexView(IndexView):
    """Shows each user what to do next: review queue, enterprise status or how to apply."""

    index_template = "home.html"

    @expose("/")
    def index(self):
        context = {}
        if current_user.is_authenticated:
            if is_admin():
                context["pending_count"] = db.session.scalar(
                    select(func.count(Enterprise.id)).where(Enterprise.status == EnterpriseStatus.PENDING)
                )
            context["member"] = membership_of(current_user.id)
            context["application"] = application_of(current_user)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)
