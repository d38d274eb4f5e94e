"""The production entry point (`gunicorn wsgi:app`)."""

from tracker import create_app
from tracker.excel.reader import return_large_blocks

app = create_app()
return_large_blocks()  # before gunicorn forks: every worker reads uploads sheet by sheet

# Every template compiled once, here: gunicorn loads this module before it forks its workers
# (preload_app), so no worker's first 驾驶舱 or 通报 pays Jinja's compile (80–130 ms a page kind).
for _name in app.jinja_env.list_templates(extensions=("html",)):
    app.jinja_env.get_template(_name)
