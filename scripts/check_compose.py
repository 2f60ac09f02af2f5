#!/usr/bin/env python3
"""Checks docker-compose.yml against the code and the docs, where no container engine runs.

    check_compose.py COMPOSE README DEPLOY_DOC QUARRY_HELP

QUARRY_HELP is a file holding `quarry --help`. Checked: the file parses as YAML; the services are
the production topology's; every QUARRY_* variable is a setting of Quarry's (README's table, which
a test keeps equal to the code); every URL setting points at a service of the file on the port that
service exposes; the commands are subcommands `quarry --help` lists; nginx publishes 80 and 443 and
points at the port the API listens on; Docs/DEPLOY.md names every service and variable. Prints
each problem and exits 1 if there is one.
"""

import re
import sys
from urllib.parse import urlsplit

import yaml

EXPECTED_SERVICES = {"api", "worker", "scheduler", "mongodb", "qdrant", "redis", "nginx"}


def main(compose_path: str, readme_path: str, deploy_path: str, help_path: str) -> int:
    problems = []
    compose = yaml.safe_load(open(compose_path))
    readme = open(readme_path).read()
    deploy = open(deploy_path).read()
    subcommands = set(re.findall(r"^\s{2,}([a-z]+)\s", open(help_path).read().split("SUBCOMMANDS:")[-1], re.M))
    settings = set(re.findall(r"^\| `[a-z0-9_]+` \| `(QUARRY_[A-Z0-9_]+)` \|", readme, re.M))
    services = compose.get("services", {})

    if set(services) != EXPECTED_SERVICES:
        problems.append(f"services are {sorted(services)}, expected {sorted(EXPECTED_SERVICES)}")
    exposed = {name: {int(str(port).split(":")[-1]) for port in (spec.get("expose", []) + spec.get("ports", []))}
               for name, spec in services.items()}

    for name, spec in services.items():
        environment = spec.get("environment", {}) or {}
        for key, value in environment.items():
            if key.startswith("QUARRY_") and key not in settings:
                problems.append(f"{name}: {key} is not a Quarry setting (README's table)")
            if key.startswith("QUARRY_") and key not in deploy:
                problems.append(f"{name}: {key} is not mentioned in Docs/DEPLOY.md")
            if key.endswith(("_URL", "_URI")) and isinstance(value, str) and "://" in value:
                target = urlsplit(value)
                if target.hostname not in services:
                    problems.append(f"{name}: {key} points at {target.hostname}, not a service of the file")
                elif target.port not in exposed.get(target.hostname, set()):
                    problems.append(f"{name}: {key} uses port {target.port}, which {target.hostname} does not expose")
        command = spec.get("command")
        if isinstance(command, list) and command[:1] == ["quarry"] and command[1] not in subcommands:
            problems.append(f"{name}: `quarry {command[1]}` is not a subcommand of quarry")
        if name not in deploy:
            problems.append(f"service {name} is not described in Docs/DEPLOY.md")

    api_command = services.get("api", {}).get("command", [])
    api_port = int(api_command[api_command.index("--port") + 1]) if "--port" in api_command else 8420
    if api_port not in exposed.get("api", set()):
        problems.append(f"api listens on {api_port} but does not expose it")
    nginx = services.get("nginx", {})
    if {80, 443} - exposed.get("nginx", set()):
        problems.append("nginx does not publish 80 and 443")
    if f"server api:{api_port};" not in " ".join(map(str, nginx.get("command", []))):
        problems.append(f"nginx does not point the upstream at api:{api_port}")

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
