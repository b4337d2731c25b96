"""Automatic diagram layout for BPMN files that carry no diagram interchange (DI).

bpmn-js can only draw a process whose file has BPMNShape/BPMNEdge coordinates. Diagrams written by
hand or produced by other tools often lack them; deployment adds a simple layered layout: elements
ordered left to right by their longest path from the start, one horizontal band per lane, boundary
events on the lower edge of their task, edges drawn with one elbow.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI}

EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
TASKS = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
         "businessRuleTask", "callActivity", "subProcess"}
SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (110, 80)}
COLUMN = 170
ROW = 120
LANE_LABEL = 30
MARGIN_X = 80
MARGIN_Y = 60


def _kind(tag: str) -> str | None:
    if tag in EVENTS:
        return "event"
    if tag in GATEWAYS:
        return "gateway"
    if tag in TASKS:
        return "task"
    return None


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname


def has_diagram(root: etree._Element) -> bool:
    return root.find("bpmndi:BPMNDiagram", NS) is not None


def _layers(nodes: list[str], edges: list[tuple[str, str]], starts: list[str]) -> dict[str, int]:
    outgoing: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        outgoing[source].append(target)
    # Back edges (loops such as return → resubmit) are found by DFS and ignored for layering.
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        state[node] = 1
        for target in outgoing[node]:
            if state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                visit(target)
        state[node] = 2

    for start in starts + nodes:
        if start not in state:
            visit(start)
    forward = [(s, t) for s, t in edges if (s, t) not in back]
    layer = {node: 0 for node in nodes}
    for _ in range(len(nodes)):
        changed = False
        for source, target in forward:
            if layer[target] < layer[source] + 1:
                layer[target] = layer[source] + 1
                changed = True
        if not changed:
            break
    return layer


def add_layout(root: etree._Element) -> bool:
    """Add DI to a document without any; returns whether it did. Only top-level flow elements are placed."""
    if has_diagram(root):
        return False
    collaboration = root.find("bpmn:collaboration", NS)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id="BPMNDiagram_auto")
    plane_target = collaboration.get("id") if collaboration is not None else None
    processes = root.findall("bpmn:process", NS)
    if plane_target is None and processes:
        plane_target = processes[0].get("id")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id="BPMNPlane_auto", bpmnElement=str(plane_target))
    participants = {p.get("processRef"): p for p in (collaboration.findall("bpmn:participant", NS)
                                                     if collaboration is not None else [])}
    top = MARGIN_Y
    for process in processes:
        participant = participants.get(process.get("id"))
        if participant is None and collaboration is not None:
            continue  # a process outside the pools (e.g. a message sender) is not drawn here
        height, width = _layout_process(plane, process, top, participant is not None)
        if participant is not None:
            _shape(plane, str(participant.get("id")), MARGIN_X - LANE_LABEL - 10, top, width + LANE_LABEL + 40, height,
                   horizontal=True)
        top += height + 60
    return True


def _layout_process(plane: etree._Element, process: etree._Element, top: int, pooled: bool) -> tuple[int, int]:
    elements = {}
    for child in process:
        if not isinstance(child.tag, str):
            continue
        kind = _kind(_local(child))
        if kind:
            elements[str(child.get("id"))] = (child, kind)
    flows = [f for f in process.findall("bpmn:sequenceFlow", NS)
             if f.get("sourceRef") in elements or f.get("targetRef") in elements]
    boundaries = [b for b in process.findall("bpmn:boundaryEvent", NS)]
    edges = [(str(f.get("sourceRef")), str(f.get("targetRef"))) for f in flows
             if f.get("sourceRef") in elements and f.get("targetRef") in elements]
    # A boundary event sits on its task: its outgoing flows count as leaving the task.
    attached = {str(b.get("id")): str(b.get("attachedToRef")) for b in boundaries}
    edges += [(attached[str(f.get("sourceRef"))], str(f.get("targetRef"))) for f in flows
              if f.get("sourceRef") in attached and f.get("targetRef") in elements]
    starts = [eid for eid, (node, _k) in elements.items() if _local(node) == "startEvent"]
    layer = _layers(list(elements), edges, starts)

    lanes = process.findall(".//bpmn:lane", NS)
    lane_of: dict[str, str] = {}
    for lane in lanes:
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = str(lane.get("id"))
    lane_ids = [str(lane.get("id")) for lane in lanes] or ["_"]
    slots: dict[tuple[str, int], int] = defaultdict(int)
    row_in_lane: dict[str, int] = {}
    for eid in sorted(elements, key=lambda e: (layer[e], e)):
        key = (lane_of.get(eid, lane_ids[0]), layer[eid])
        row_in_lane[eid] = slots[key]
        slots[key] += 1
    lane_rows = {lane: max([slots[(lane, col)] for col in range(max(layer.values(), default=0) + 1)] + [1])
                 for lane in lane_ids}
    lane_top: dict[str, int] = {}
    y = top
    for lane in lane_ids:
        lane_top[lane] = y
        y += lane_rows[lane] * ROW + 20
    width = (max(layer.values(), default=0) + 1) * COLUMN + 60
    centres: dict[str, tuple[int, int, int, int]] = {}
    for eid, (_node, kind) in elements.items():
        w, h = SIZES[kind]
        cx = MARGIN_X + 40 + layer[eid] * COLUMN + 55
        cy = lane_top[lane_of.get(eid, lane_ids[0])] + 10 + row_in_lane[eid] * ROW + ROW // 2
        centres[eid] = (cx, cy, w, h)
    if lanes and pooled:
        for lane in lanes:
            lid = str(lane.get("id"))
            _shape(plane, lid, MARGIN_X - 10, lane_top[lid], width + 40, lane_rows[lid] * ROW + 20, horizontal=True)
    for eid, (cx, cy, w, h) in centres.items():
        _shape(plane, eid, cx - w // 2, cy - h // 2, w, h)
    for index, boundary in enumerate(boundaries):
        host = centres.get(str(boundary.get("attachedToRef")))
        if host is None:
            continue
        cx, cy, w, h = host
        bid = str(boundary.get("id"))
        centres[bid] = (cx + w // 2 - 20 - index * 40, cy + h // 2, 36, 36)
        _shape(plane, bid, centres[bid][0] - 18, centres[bid][1] - 18, 36, 36)
    for flow in flows:
        source, target = centres.get(str(flow.get("sourceRef"))), centres.get(str(flow.get("targetRef")))
        if source and target:
            _edge(plane, str(flow.get("id")), source, target)
    return y - top, width


def _shape(plane: etree._Element, element_id: str, x: int, y: int, w: int, h: int, horizontal: bool = False) -> None:
    attrs = {"id": f"{element_id}_di", "bpmnElement": element_id}
    if horizontal:
        attrs["isHorizontal"] = "true"
    shape = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", **attrs)
    etree.SubElement(shape, f"{{{DC}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))


def _edge(plane: etree._Element, flow_id: str, source: tuple[int, int, int, int],
          target: tuple[int, int, int, int]) -> None:
    sx, sy, sw, sh = source
    tx, ty, tw, th = target
    edge = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    if tx > sx:
        points = [(sx + sw // 2, sy), ((sx + sw // 2 + tx - tw // 2) // 2, sy),
                  ((sx + sw // 2 + tx - tw // 2) // 2, ty), (tx - tw // 2, ty)]
    else:  # a loop back: leave from the bottom, come in from below
        below = max(sy + sh // 2, ty + th // 2) + 30
        points = [(sx, sy + sh // 2), (sx, below), (tx, below), (tx, ty + th // 2)]
    for x, y in points:
        etree.SubElement(edge, f"{{{DI}}}waypoint", x=str(x), y=str(y))
