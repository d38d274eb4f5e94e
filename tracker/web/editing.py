"""Create, edit and delete any record through one flow: validate → service → commit → flash → redirect.

An edit carries the record's version; if someone saved in between, the page answers 409 with both
values side by side and nothing is written. Register a record type with `register_crud`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from tracker.auth.permissions import OFFICE_FIELDS, editable_fields, requires
from tracker.extensions import db
from tracker.services import ServiceError
from tracker.services.records import EditConflict, MissingVersion, delete_record, save_record, update_record
from tracker.web.forms import ChineseForm, RecordForm

FORM_TEMPLATE = "editing/form.html"
DELETE_TEMPLATE = "editing/delete.html"


def _form_error(form: RecordForm, exc: ServiceError) -> None:
    if exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
    else:
        flash(exc.message, "danger")


def conflict_rows(form: RecordForm, submitted: dict[str, Any], obj: Any) -> list[tuple[str, str, str]]:
    """(field label, your value, value saved by the other person) for each field that differs."""
    return [
        (form[name].label.text, form.display(name, mine), form.display(name, getattr(obj, name)))
        for name, mine in submitted.items()
        if name in form and getattr(obj, name) != mine
    ]


def save_edit(
    obj: Any,
    form: RecordForm,
    *,
    title: str,
    success_url: str,
    cancel_url: str,
    template: str = FORM_TEMPLATE,
    apply: Callable[[dict, int | None], None] | None = None,
    **context,
):
    """The whole edit flow for an already-loaded record and a form bound to the request.

    `apply(values, expected_version)` is the service that saves; by default update_record.
    """
    apply = apply or (lambda values, version: update_record(db.session, obj, values, version))
    if type(obj) in OFFICE_FIELDS and not set(form.model_fields) <= editable_fields(current_user, obj):
        abort(403)  # the one rule for who may change which fields, whatever the form offers
    status = 200
    conflict = None
    if request.method == "GET":
        form.load(obj)
    elif form.validate_on_submit():
        submitted = form.values()
        try:
            apply(submitted, form.expected_version())
            db.session.commit()
            flash(f"已保存：{obj}", "success")
            return redirect(success_url)
        except MissingVersion as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            status = 400
        except EditConflict as exc:
            db.session.rollback()
            db.session.refresh(obj)
            conflict = (exc.message, conflict_rows(form, submitted, obj))
            form.version.data = str(obj.version)  # saving again now overwrites knowingly
            status = 409
        except ServiceError as exc:
            db.session.rollback()
            _form_error(form, exc)
            status = 422
    else:
        status = 422
    return render_template(
        template, form=form, title=title, cancel_url=cancel_url, conflict=conflict, record=obj, **context
    ), status


def save_new(
    form: RecordForm,
    build: Callable[[dict], Any],
    *,
    title: str,
    success_url: Callable[[Any], str],
    cancel_url: str,
    template: str = FORM_TEMPLATE,
    **context,
):
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                obj = build(form.values())
                db.session.add(obj)
                save_record(db.session, obj)
                db.session.commit()
                flash(f"已新建：{obj}", "success")
                return redirect(success_url(obj))
            except ServiceError as exc:
                db.session.rollback()
                _form_error(form, exc)
        status = 422
    return render_template(
        template, form=form, title=title, cancel_url=cancel_url, conflict=None, record=None, **context
    ), status


class DeleteForm(ChineseForm):
    pass


def confirm_delete(obj: Any, *, title: str, success_url: str, cancel_url: str, consequences: str = ""):
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            delete_record(db.session, obj)
            db.session.commit()
            flash(f"已删除：{title}", "success")
            return redirect(success_url)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(cancel_url)
    return render_template(DELETE_TEMPLATE, form=form, title=title, cancel_url=cancel_url, consequences=consequences)


def next_ordinal(column, *where) -> int:
    return (db.session.scalar(select(func.max(column)).where(*where)) or 0) + 1


@dataclass
class Crud:
    """One record type's create/edit/delete pages, registered on a blueprint."""

    name: str  # endpoint stem and URL segment, e.g. "phase"
    model: type
    form: type[RecordForm]
    noun: str  # Chinese, e.g. "阶段"
    show_url: Callable[[Any], str]  # where a saved record is shown
    parent_model: type | None = None
    parent_attr: str | None = None  # the model's relationship to its parent
    parent_url: Callable[[Any], str] | None = None  # where to go after delete / cancel of a new one
    prepare: Callable[[RecordForm, Any], None] | None = None  # defaults for a new one, given the parent
    setup: Callable[[RecordForm, Any], None] | None = None  # choices that depend on the parent
    permission: str = "plan.edit"

    def make_form(self, parent: Any) -> RecordForm:
        form = self.form()
        if self.setup:
            self.setup(form, parent)
        return form

    def parent_of(self, obj: Any) -> Any:
        return getattr(obj, self.parent_attr) if self.parent_attr else None

    def register(self, bp: Blueprint, parent_segment: str | None = None) -> None:
        arg = f"{self.name}_id"
        crud = self

        if self.parent_model is not None:
            parent_arg = f"{parent_segment}_id"

            @requires(self.permission, self.parent_model, parent_arg)
            def create(**kwargs):
                parent = next(iter(kwargs.values()))
                form = crud.make_form(parent)
                if request.method == "GET" and crud.prepare:
                    crud.prepare(form, parent)

                def build(values):
                    obj = crud.model(**values)
                    setattr(obj, crud.parent_attr, parent)
                    return obj

                return save_new(
                    form,
                    build,
                    title=f"新建{crud.noun}",
                    success_url=crud.show_url,
                    cancel_url=crud.parent_url(parent),
                    parent=parent,
                )

            rule = f"/{parent_segment}s/<int:{parent_arg}>/{self.name}s/new"
        else:

            @requires(self.permission)
            def create():
                form = crud.make_form(None)
                if request.method == "GET" and crud.prepare:
                    crud.prepare(form, None)
                return save_new(
                    form,
                    lambda values: crud.model(**values),
                    title=f"新建{crud.noun}",
                    success_url=crud.show_url,
                    cancel_url=crud.parent_url(None),
                )

            rule = f"/{self.name}s/new"
        bp.add_url_rule(rule, f"{self.name}_create", create, methods=["GET", "POST"])

        @requires(self.permission, self.model, arg)
        def edit(**kwargs):
            obj = next(iter(kwargs.values()))
            return save_edit(
                obj,
                crud.make_form(crud.parent_of(obj)),
                title=f"编辑{crud.noun}：{obj}",
                success_url=crud.show_url(obj),
                cancel_url=crud.show_url(obj),
            )

        bp.add_url_rule(f"/{self.name}s/<int:{arg}>/edit", f"{self.name}_edit", edit, methods=["GET", "POST"])

        @requires(self.permission, self.model, arg)
        def delete(**kwargs):
            obj = next(iter(kwargs.values()))
            return confirm_delete(
                obj,
                title=f"{crud.noun}：{obj}",
                success_url=crud.parent_url(crud.parent_of(obj)),
                cancel_url=crud.show_url(obj),
            )

        bp.add_url_rule(f"/{self.name}s/<int:{arg}>/delete", f"{self.name}_delete", delete, methods=["GET", "POST"])
