"""Reading the template's IAM policies as plain data, for the least-privilege rules."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    role: str
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # each resource written as text: "${PhotoBucket.Arn}/uploads/*", "NotifyQueue.Arn"
    condition: dict


def as_text(resource) -> str:
    """A policy resource in the form it is written: a Sub's text, GetAtt's "X.Arn", Ref's name, or a literal."""
    if isinstance(resource, str):
        return resource
    (function, argument), *_ = resource.items()
    if function == "Fn::Sub":
        return argument if isinstance(argument, str) else argument[0]
    if function == "Fn::GetAtt":
        return ".".join(argument)
    if function == "Ref":
        return argument
    if function == "Fn::If":  # a conditional resource: either branch may apply
        return " | ".join(as_text(branch) for branch in argument[1:] if branch != {"Ref": "AWS::NoValue"})
    raise ValueError(f"unexpected resource form {resource!r}")


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def grants(resources: dict[str, dict]) -> list[Grant]:
    found = []
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow", f"{name}: the template only grants"
                found.append(
                    Grant(
                        role=name,
                        sid=statement.get("Sid", ""),
                        actions=tuple(_listed(statement["Action"])),
                        resources=tuple(as_text(r) for r in _listed(statement["Resource"])),
                        condition=statement.get("Condition", {}),
                    )
                )
    return found


def actions_on(grants_: list[Grant], role: str) -> dict[str, set[str]]:
    """action -> the resources the role may use it on."""
    allowed: dict[str, set[str]] = {}
    for grant in grants_:
        if grant.role == role:
            for action in grant.actions:
                allowed.setdefault(action, set()).update(grant.resources)
    return allowed
