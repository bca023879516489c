"""Conformance checks with Debian's python3-kubernetes (a client nobody here wrote).

Two suites:
- `core` (the default), run by test/integration/engine/apiserver/conformance.test.ts
  against the in-process API server with the test CRDs (widgets.test.rdd.io) and
  a small revision log, so the 410 path is reachable:
      /usr/bin/python3 python_client.py KUBECONFIG
- `guardrails`, run by test/integration/engine/apiserver/guardrails.test.ts
  against the API server with the engine controller and a real dockerd, whose
  mirrors include containers labelled com.docker.compose.project=web:
      /usr/bin/python3 python_client.py KUBECONFIG guardrails

Each check prints `ok NAME` or `FAIL NAME: why`; the exit status is the
number of failures.
"""
import sys
import traceback

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

NS = "default"
SUITE = sys.argv[2] if len(sys.argv) > 2 else "core"
SUITES = {"core": [], "guardrails": []}


def check(fn):
    SUITES["core"].append(fn)
    return fn


def guardrail(fn):
    SUITES["guardrails"].append(fn)
    return fn


def run(checks):
    failures = 0
    for fn in checks:
        try:
            fn()
            print(f"ok {fn.__name__}", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported, none stops the run
            failures += 1
            print(f"FAIL {fn.__name__}: {traceback.format_exc()}", flush=True)
    return failures


api_client = config.new_client_from_config(config_file=sys.argv[1])
core = client.CoreV1Api(api_client)
custom = client.CustomObjectsApi(api_client)
dyn = dynamic.DynamicClient(api_client)


def widgets():
    return dyn.resources.get(api_version="test.rdd.io/v1", kind="Widget")


def cm(name, data):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels={"suite": "py"}), data=data)


@check
def typed_create_list_patch():
    core.create_namespaced_config_map(NS, cm("py-a", {"k": "1"}))
    core.patch_namespaced_config_map("py-a", NS, {"data": {"k": "2"}})
    got = core.read_namespaced_config_map("py-a", NS)
    assert got.data == {"k": "2"}, got.data
    names = [i.metadata.name for i in core.list_namespaced_config_map(NS, label_selector="suite=py").items]
    assert names == ["py-a"], names


@check
def typed_limit_continue():
    for n in ("py-b", "py-c", "py-d"):
        core.create_namespaced_config_map(NS, cm(n, {}))
    seen, token, pages = [], None, 0
    while True:
        page = core.list_namespaced_config_map(NS, label_selector="suite=py", limit=1, _continue=token)
        seen += [i.metadata.name for i in page.items]
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert seen == ["py-a", "py-b", "py-c", "py-d"], seen
    assert pages == 4, pages
    first = core.list_namespaced_config_map(NS, limit=2)
    assert first.metadata.remaining_item_count is not None and first.metadata.remaining_item_count >= 2, first.metadata


@check
def typed_watch_and_resume():
    start = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, cm("py-w1", {}))
    core.delete_namespaced_config_map("py-w1", NS)
    w = watch.Watch()
    events = []
    for ev in w.stream(core.list_namespaced_config_map, NS, resource_version=start, timeout_seconds=2):
        events.append((ev["type"], ev["object"].metadata.name))
        if len(events) == 2:
            w.stop()
    assert events == [("ADDED", "py-w1"), ("DELETED", "py-w1")], events


@check
def typed_watch_initial_state():
    w = watch.Watch()
    names = [ev["object"].metadata.name for ev in w.stream(core.list_namespaced_config_map, NS, label_selector="suite=py", timeout_seconds=1)]
    assert names == ["py-a", "py-b", "py-c", "py-d"], names


@check
def dynamic_create_list_patch_watch():
    widgets().create(body={"apiVersion": "test.rdd.io/v1", "kind": "Widget", "metadata": {"name": "py-dw"}, "spec": {"color": "red"}}, namespace=NS)
    widgets().patch(name="py-dw", namespace=NS, body={"spec": {"color": "blue"}}, content_type="application/merge-patch+json")
    listed = widgets().get(namespace=NS, field_selector="spec.color=blue")
    assert [i.metadata.name for i in listed.items] == ["py-dw"], listed
    rv = listed.metadata.resourceVersion
    widgets().patch(name="py-dw", namespace=NS, body={"spec": {"size": 5}}, content_type="application/merge-patch+json")
    got = []
    for ev in widgets().watch(namespace=NS, resource_version=rv, timeout=2):
        got.append((ev["type"], ev["object"].metadata.name, ev["object"].spec.size))
        break
    assert got == [("MODIFIED", "py-dw", 5)], got


@check
def watch_gone_after_compaction():
    old = core.list_namespaced_config_map(NS).metadata.resource_version
    for i in range(40):
        core.patch_namespaced_config_map("py-a", NS, {"data": {"k": str(i)}})
    try:
        for _ in watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version=old, timeout_seconds=2):
            pass
    except ApiException as err:
        assert err.status == 410, err
        return
    raise AssertionError("watch from a compacted resourceVersion did not end in 410")


@check
def continue_gone_after_compaction():
    token = core.list_namespaced_config_map(NS, limit=1).metadata._continue
    for i in range(40):
        core.patch_namespaced_config_map("py-a", NS, {"data": {"k": f"c{i}"}})
    try:
        core.list_namespaced_config_map(NS, limit=1, _continue=token)
    except ApiException as err:
        assert err.status == 410, err
        return
    raise AssertionError("an expired continue token was accepted")


@check
def access_review():
    review = client.V1SelfSubjectAccessReview(
        spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=client.V1ResourceAttributes(verb="create", group="test.rdd.io", resource="widgets"))
    )
    out = client.AuthorizationV1Api(api_client).create_self_subject_access_review(review)
    assert out.status.allowed is True, out.status


@check
def events_by_field_selector():
    core.create_namespaced_event(
        NS,
        client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="py-ev"),
            involved_object=client.V1ObjectReference(kind="Widget", name="py-dw", namespace=NS),
            reason="Tested",
            message="from python",
            type="Normal",
        ),
    )
    got = core.list_namespaced_event(NS, field_selector="involvedObject.name=py-dw,reason=Tested").items
    assert [e.message for e in got] == ["from python"], got
    v1 = client.EventsV1Api(api_client).list_namespaced_event(NS, field_selector="regarding.name=py-dw").items
    assert [e.note for e in v1] == ["from python"], v1


@check
def secrets_and_leases():
    core.create_namespaced_secret(NS, client.V1Secret(metadata=client.V1ObjectMeta(name="py-s"), string_data={"pw": "x"}))
    assert core.read_namespaced_secret("py-s", NS).data == {"pw": "eA=="}
    lease = client.V1Lease(metadata=client.V1ObjectMeta(name="py-l"), spec=client.V1LeaseSpec(holder_identity="py", lease_duration_seconds=10))
    client.CoordinationV1Api(api_client).create_namespaced_lease(NS, lease)


MIRRORS = "rancher-desktop"
CONTAINERS = ("containers.rancherdesktop.io", "v1alpha1", MIRRORS, "containers")


def forbidden(call, *words):
    try:
        call()
    except ApiException as err:
        assert err.status == 403, (err.status, err.body)
        for w in words:
            assert w in err.body, err.body
        return
    raise AssertionError("the request was not refused")


def web_containers():
    got = custom.list_namespaced_custom_object(*CONTAINERS, label_selector="com.docker.compose.project=web")
    return sorted(i["metadata"]["name"] for i in got["items"])


@guardrail
def namespaces_may_not_be_deleted():
    for name in (MIRRORS, "default", "kube-system"):
        forbidden(lambda: core.delete_namespace(name), f'namespaces \\"{name}\\" is forbidden: this namespace may not be deleted')
    assert core.read_namespace(MIRRORS).status.phase == "Active"


@guardrail
def mirror_finalizer_and_status_are_the_engines():
    name = web_containers()[0]
    patch = {"metadata": {"finalizers": None}}
    forbidden(lambda: custom.patch_namespaced_custom_object(*CONTAINERS, name, patch), "written by the engine only")
    status = {"status": {"name": "x"}}
    forbidden(lambda: custom.patch_namespaced_custom_object_status(*CONTAINERS, name, status), "spec.state")
    got = custom.get_namespaced_custom_object(*CONTAINERS, name)
    assert got["status"]["name"].startswith("web-"), got["status"]
    assert got["metadata"]["finalizers"] == ["engine.rancherdesktop.io/docker-mirror"]


@guardrail
def impersonation_is_refused():
    other = config.new_client_from_config(config_file=sys.argv[1])
    other.set_default_header("Impersonate-User", "bob")
    forbidden(lambda: client.CoreV1Api(other).list_namespace(), "impersonation is not supported: rdd has one user")


@guardrail
def docker_labels_select_server_side():
    assert len(web_containers()) == 2, web_containers()


def raw_get(path, accept):
    data, status, _ = api_client.call_api(path, "GET", header_params={"Accept": accept}, auth_settings=["BearerToken"], _preload_content=False)
    return status, data.data


@guardrail
def partial_object_metadata_and_406():
    import json

    path = "/apis/containers.rancherdesktop.io/v1alpha1/namespaces/rancher-desktop/containers"
    status, body = raw_get(path, "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io")
    listed = json.loads(body)
    assert status == 200 and listed["kind"] == "PartialObjectMetadataList", listed
    assert all(i["kind"] == "PartialObjectMetadata" and "status" not in i for i in listed["items"]), listed
    try:
        raw_get(path, "application/vnd.kubernetes.protobuf")
    except ApiException as err:
        assert err.status == 406, err.status
    else:
        raise AssertionError("a protobuf-only Accept was answered")


@guardrail
def openapi_v2_and_tables():
    import json

    status, body = raw_get("/openapi/v2", "application/json")
    doc = json.loads(body)
    assert status == 200 and doc["swagger"] == "2.0", status
    assert "spec" in doc["definitions"]["io.k8s.api.core.v1.Namespace"]["properties"]
    core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-table"), data={"a": "1"}))
    _, body = raw_get("/api/v1/namespaces/default/configmaps/py-table", "application/json;as=Table;v=v1;g=meta.k8s.io")
    table = json.loads(body)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"], table["columnDefinitions"]
    assert table["rows"][0]["cells"][:2] == ["py-table", 1], table["rows"]


sys.exit(run(SUITES[SUITE]))
