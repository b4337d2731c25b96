"""Browser assets installed by npm (package.json) and served from node_modules — never from a CDN.

Libraries that ship as ES modules (the designer's bpmn-js Modeler with its properties panel, dmn-js)
are bundled by esbuild into ``app/static/build/`` (``npm run build``, part of ``make setup``) and served
from there under ``/vendor/build/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# Public name → path inside node_modules. Only these files are served.
FILES: dict[str, str] = {
    "bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap-icons.min.css": "bootstrap-icons/font/bootstrap-icons.min.css",
    "fonts/bootstrap-icons.woff2": "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
    "fonts/bootstrap-icons.woff": "bootstrap-icons/font/fonts/bootstrap-icons.woff",
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "bpmn-viewer.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-font.css": "bpmn-js/dist/assets/bpmn-font/css/bpmn.css",
    "echarts.min.js": "echarts/dist/echarts.min.js",
    "quill.js": "quill/dist/quill.js",
    "quill.snow.css": "quill/dist/quill.snow.css",
}
# Font files referenced relatively from bpmn-font.css live next to it.
FONT_DIRS = {"font/": "bpmn-js/dist/assets/bpmn-font/font/"}


@bp.get("/build/<path:name>")
def built(name: str) -> Any:
    """A bundle made by ``npm run build`` (app/static/js/designer/build.mjs)."""
    root = Path(current_app.config["ASSET_BUILD_DIR"])
    if not (root / name).is_file():
        current_app.logger.error("missing built asset %s: run `make setup` (npm run build)", name)
        abort(404)
    return send_from_directory(root, name, max_age=3600)


def register_file(public_name: str, node_path: str) -> None:
    """Serve one more file from node_modules under /vendor/<public_name> (for domain screens)."""
    FILES[public_name] = node_path


@bp.get("/<path:name>")
def asset(name: str) -> Any:
    node_path = FILES.get(name)
    if node_path is None:
        for prefix, directory in FONT_DIRS.items():
            if name.startswith(prefix) and "/" not in name[len(prefix):]:
                node_path = directory + name[len(prefix):]
    if node_path is None:
        abort(404)
    root = Path(current_app.config["NODE_MODULES"])
    full = root / node_path
    return send_from_directory(full.parent, full.name, max_age=86400)
