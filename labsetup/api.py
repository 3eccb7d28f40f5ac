"""A minimal OpenStack REST client on the standard library, for bringing the lab up.

``labsetup`` registers users, the catalog and the lab's starting content before any course
environment exists, so it cannot lean on openstacksdk; these few calls are plain REST.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from labsetup.proc import LabError


class ApiError(LabError):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} answered HTTP {status}: {body[:300]}")
        self.status = status


@dataclass
class Session:
    auth_url: str
    token: str = ""
    catalog: list[dict[str, Any]] = field(default_factory=list)
    project_id: str = ""

    @classmethod
    def login(cls, auth_url: str, user: str, password: str, project: str) -> Session:
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"}, "password": password}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
        s = cls(auth_url)
        _status, headers, data = s.raw("POST", f"{auth_url}/auth/tokens", body, auth=False)
        s.token = headers["X-Subject-Token"]
        s.catalog = data["token"].get("catalog", [])
        s.project_id = data["token"]["project"]["id"]
        return s

    def raw(self, method: str, url: str, body: Any = None, *, auth: bool = True,
            headers: dict[str, str] | None = None, data: bytes | None = None,
            timeout: float = 60) -> tuple[int, dict[str, str], Any]:
        h = {"Accept": "application/json", "Connection": "close", **(headers or {})}
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if auth:
            h["X-Auth-Token"] = self.token
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read().decode() if r.status != 204 else ""
                return r.status, dict(r.headers), json.loads(text) if text.strip() else None
        except urllib.error.HTTPError as e:
            raise ApiError(method, url, e.code, e.read().decode(errors="replace")) from None
        except (urllib.error.URLError, OSError) as e:
            raise LabError(f"{method} {url}: {e}",
                           "is the lab running? try `python3 -m labsetup status`") from None

    def __call__(self, method: str, url: str, body: Any = None, **kw: Any) -> Any:
        return self.raw(method, url, body, **kw)[2]

    def endpoint(self, service_type: str) -> str:
        for svc in self.catalog:
            if svc["type"] == service_type:
                for ep in svc["endpoints"]:
                    if ep["interface"] == "public":
                        return str(ep["url"]).replace("%(project_id)s", self.project_id)
        raise LabError(f"no {service_type} endpoint in the catalog")


def find(items: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for item in items:
        if all(item.get(k) == v for k, v in match.items()):
            return item
    return None
