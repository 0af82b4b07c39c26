#!/usr/bin/python3
"""Headless QGIS check of a parcelrisk GeoPackage.

usage: /usr/bin/python3 tests/integration/qgis_check.py OUT.gpkg OUT.png

Checks, with QGIS itself (PyQGIS, no display needed):
  * each spatial layer (parcel_risk, visit_list, owners, hotspots) opens and is valid;
  * each opens styled: QGIS applied the default style stored in the GeoPackage's
    layer_styles table (useAsDefault = 1), i.e. the layer does not carry the plain
    single-symbol renderer QGIS gives an unstyled layer (a single-symbol style counts
    as applied when it also enables labels, as the visit_list style does);
  * risk_class of parcel_risk (and visit_list, if it has the field) shows a value map
    with the four classes low, medium, high, critical;
  * the four layers render (hotspots at the bottom, then parcel_risk, owners,
    visit_list on top) to a non-blank PNG at the visit list's extent;
  * informational: a QGIS project stored in the GeoPackage (table qgis_projects,
    project name "parcelrisk") opens, and its layers are valid;
  * the layers the file's audience gets (run_info audience: a planners file has no
    visit_list) and, in a planners file, the map tips that show owners show pseudonyms.

Exit status: 0 pass, 1 fail (each failure printed), 2 usage, 77 PyQGIS not available.
"""
import os
import sqlite3
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    import tempfile
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="qgis_check_")  # mode 0700

LAYERS = ["parcel_risk", "visit_list", "owners", "hotspots"]
RENDER_ORDER_TOP_FIRST = ["visit_list", "owners", "parcel_risk", "hotspots"]
RISK_CLASSES = {"low", "medium", "high", "critical"}
PROJECT_NAME = "parcelrisk"
WIDTH, HEIGHT = 1600, 1200

failures = []


def ok(msg):
    print(f"ok    {msg}")


def fail(msg):
    failures.append(msg)
    print(f"FAIL  {msg}")


def info(msg):
    print(f"info  {msg}")


def sqlite_rows(gpkg, sql, args=()):
    """Read-only query of the GeoPackage; None if the query fails (e.g. no such table)."""
    try:
        con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return None


def value_map_values(config):
    """The stored values of a ValueMap widget config (a list of {label: value} maps, or a dict)."""
    m = config.get("map", {})
    values = set()
    if isinstance(m, dict):
        values.update(str(v) for v in m.values())
    else:
        for entry in m:
            values.update(str(v) for v in dict(entry).values())
    return values


def check_map_tip(layer, name, audience, Q):
    """The map tip of the layer's first feature, as QGIS renders it; in a planners file the
    owner it shows is a pseudonym."""
    template = layer.mapTipTemplate()
    if "owner" not in template:
        return
    feature = next(layer.getFeatures(), None)
    if feature is None:
        return
    context = Q.QgsExpressionContext()
    context.appendScopes(Q.QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    context.setFeature(feature)
    text = Q.QgsExpression.replaceExpressionText(template, context)
    owner = feature["owner"] if layer.fields().indexOf("owner") >= 0 else None
    if audience == "planners":
        if owner and str(owner).startswith("own-") and str(owner) in text:
            ok(f"{name}: the map tip shows the owner's pseudonym ({owner})")
        else:
            fail(f"{name}: the planners' map tip shows {text!r}, not a pseudonym")
    else:
        ok(f"{name}: the map tip shows the owner ({owner})")


def check_layer(gpkg, name, QgsVectorLayer, QgsWkbTypes):
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    if not layer.isValid():
        fail(f"{name}: layer is not valid in QGIS")
        return None
    ok(f"{name}: valid, {layer.featureCount()} features, "
       f"{QgsWkbTypes.displayString(layer.wkbType())}")

    rows = sqlite_rows(gpkg, "SELECT styleName FROM layer_styles "
                             "WHERE f_table_name = ? AND useAsDefault = 1", (name,))
    if rows is None:
        info(f"{name}: the GeoPackage has no layer_styles table")
    elif not rows:
        info(f"{name}: layer_styles has no default style (useAsDefault = 1) for it")
    else:
        info(f"{name}: layer_styles default style {rows[0][0]!r}")

    renderer = layer.renderer()
    rtype = renderer.type() if renderer else "none"
    labelled = layer.labelsEnabled() and layer.labeling() is not None
    if rtype == "singleSymbol" and not labelled:
        fail(f"{name}: opens with QGIS's default single-symbol renderer and no labels: "
             f"the default style in layer_styles was not applied")
    else:
        desc = rtype
        attr = getattr(renderer, "classAttribute", None)
        if callable(attr):
            desc += f" on {attr()}"
        if labelled:
            desc += ", labelled"
            settings = getattr(layer.labeling(), "settings", None)
            if callable(settings):
                desc += f" by {settings().fieldName}"
        ok(f"{name}: opens styled ({desc})")

    idx = layer.fields().indexOf("risk_class")
    if idx >= 0:
        setup = layer.editorWidgetSetup(idx)
        values = value_map_values(setup.config()) if setup.type() == "ValueMap" else set()
        if setup.type() == "ValueMap" and RISK_CLASSES <= values:
            ok(f"{name}: risk_class shows a value map ({', '.join(sorted(values))})")
        elif name == "parcel_risk":
            fail(f"{name}: risk_class editor widget is {setup.type()!r} with values "
                 f"{sorted(values)}, expected a ValueMap of {sorted(RISK_CLASSES)}")
        else:
            info(f"{name}: risk_class editor widget is {setup.type()!r}")
    elif name == "parcel_risk":
        fail(f"{name}: no risk_class field")
    return layer


def render(layers, png, q):
    present = [layers[n] for n in RENDER_ORDER_TOP_FIRST if layers.get(n)]
    if not present:
        fail("nothing to render")
        return
    settings = q.QgsMapSettings()
    settings.setLayers(present)  # first in the list is drawn on top
    settings.setDestinationCrs(present[0].crs())
    anchor = layers.get("visit_list") or present[0]
    extent = q.QgsRectangle(anchor.extent())
    if extent.isEmpty():
        extent = q.QgsRectangle(present[-1].extent())
    extent.scale(1.15)
    settings.setOutputSize(q.QSize(WIDTH, HEIGHT))
    settings.setOutputDpi(96)
    settings.setExtent(extent)
    settings.setBackgroundColor(q.QColor(255, 255, 255))
    settings.setFlag(q.QgsMapSettings.Antialiasing, True)
    settings.setFlag(q.QgsMapSettings.DrawLabeling, True)

    job = q.QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    for err in job.errors():
        fail(f"render error in layer {err.layerID}: {err.message}")
    image = job.renderedImage()
    if not image.save(png, "PNG"):
        fail(f"cannot write {png}")
        return

    # non-blank: many distinct colours and a fair share of non-background pixels
    step = 3
    colours, painted, total = set(), 0, 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            rgb = image.pixel(x, y) & 0xFFFFFF
            colours.add(rgb)
            total += 1
            if rgb != 0xFFFFFF:
                painted += 1
    share = painted / total if total else 0.0
    msg = (f"rendered {png} ({image.width()}x{image.height()}, scale 1:{settings.scale():.0f}): "
           f"{len(colours)} distinct colours, {share:.0%} of pixels painted")
    if len(colours) >= 16 and share >= 0.05:
        ok(msg)
    else:
        fail(msg + " — the map looks blank")


def check_project(gpkg, q):
    rows = sqlite_rows(gpkg, "SELECT name FROM qgis_projects")
    if rows is None:
        info("no qgis_projects table: no QGIS project stored in the GeoPackage")
        return
    names = [r[0] for r in rows]
    info(f"qgis_projects holds {names}")
    if PROJECT_NAME not in names:
        info(f"no project named {PROJECT_NAME!r}")
        return
    project = q.QgsProject.instance()
    uri = f"geopackage:{gpkg}?projectName={PROJECT_NAME}"
    if not project.read(uri):
        info(f"stored project did not open: {project.error()}")
        return
    maplayers = list(project.mapLayers().values())
    valid = [l for l in maplayers if l.isValid()]
    info(f"stored project opened: {len(valid)}/{len(maplayers)} layers valid "
         f"({', '.join(l.name() for l in maplayers)})")
    for l in maplayers:
        if not l.isValid():
            info(f"stored project layer {l.name()!r} is not valid: its source is {l.source()!r}")
    project.clear()


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    gpkg, png = os.path.abspath(argv[1]), argv[2]
    if not os.path.isfile(gpkg):
        print(f"FAIL  {gpkg}: no such file", file=sys.stderr)
        return 1
    try:
        from qgis.core import (Qgis, QgsApplication, QgsExpression, QgsExpressionContext,
                               QgsExpressionContextUtils, QgsMapRendererSequentialJob,
                               QgsMapSettings, QgsProject, QgsRectangle, QgsVectorLayer,
                               QgsWkbTypes)
        from qgis.PyQt.QtCore import QSize
        from qgis.PyQt.QtGui import QColor
    except ImportError as e:
        print(f"skip: PyQGIS not available ({e})")
        return 77

    class Q:  # the few PyQGIS names the helpers need
        pass
    for k, v in dict(QgsMapSettings=QgsMapSettings, QgsMapRendererSequentialJob=QgsMapRendererSequentialJob,
                     QgsProject=QgsProject, QgsRectangle=QgsRectangle, QSize=QSize,
                     QColor=QColor, QgsExpression=QgsExpression,
                     QgsExpressionContext=QgsExpressionContext,
                     QgsExpressionContextUtils=QgsExpressionContextUtils).items():
        setattr(Q, k, v)

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    info(f"QGIS {Qgis.QGIS_VERSION}, {gpkg}")

    audience = (sqlite_rows(gpkg, "SELECT value FROM run_info WHERE key = 'audience'") or
                [("inspectors",)])[0][0]
    names = LAYERS if audience == "inspectors" else [n for n in LAYERS if n != "visit_list"]
    info(f"audience {audience}: layers {', '.join(names)}")
    layers = {}
    for name in names:
        layers[name] = check_layer(gpkg, name, QgsVectorLayer, QgsWkbTypes)
        if layers[name] is not None:
            check_map_tip(layers[name], name, audience, Q)
    render(layers, png, Q)
    check_project(gpkg, Q)

    layers.clear()
    app.exitQgis()
    if failures:
        print(f"qgis_check: {len(failures)} failure(s)")
        return 1
    print("qgis_check: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
