"""Reading the template's IAM policies as plain data, for the least-privilege rules, and evaluating its resource
policies against a request, for the rules on who may send to a queue or reach the bucket."""

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase


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


# ---------------------------------------------------------------- evaluating resource policies
# Enough of IAM's policy evaluation to ask a resource policy "may this caller do this?": an explicit Deny wins, then
# an Allow in the resource policy, then (same account only) the caller's own identity policy. Values are resolved
# from the template's intrinsics with the `values` the test gives (ARNs, the account, the stage).


@dataclass(frozen=True)
class Request:
    action: str  # "sqs:SendMessage"
    resource: str  # an ARN
    principal: str  # an IAM role's ARN, or a service principal ("s3.amazonaws.com")
    context: dict  # the condition keys AWS puts in the request: aws:PrincipalArn, aws:SourceArn, ...
    identity_allows: bool = False  # the caller's own policies allow it (a principal of the resource's account)


def role_request(action: str, resource: str, role_arn: str, *, identity_allows: bool, **context: str) -> Request:
    """A call made with a role's credentials; `context` adds keys such as aws:SecureTransport."""
    own = {"aws:PrincipalArn": role_arn, "aws:PrincipalAccount": role_arn.split(":")[4]}
    own["aws:PrincipalIsAWSService"] = "false"
    return Request(action, resource, role_arn, {**own, **context}, identity_allows)


def service_request(action: str, resource: str, service: str, *, source_account: str, source_arn: str) -> Request:
    context = {"aws:PrincipalIsAWSService": "true", "aws:SourceAccount": source_account, "aws:SourceArn": source_arn}
    return Request(action, resource, service, context)


def resolve(value, values: dict[str, str]):
    """The template's Ref, GetAtt and Sub with the given values ("Stage", "AWS::AccountId", "SiteTasksQueue.Arn")."""
    if isinstance(value, list):
        return [resolve(item, values) for item in value]
    if not isinstance(value, dict):
        return value
    if value.keys() == {"Ref"}:
        return values[value["Ref"]]
    if value.keys() == {"Fn::GetAtt"}:
        return values[".".join(value["Fn::GetAtt"])]
    if value.keys() == {"Fn::Sub"}:
        return re.sub(r"\$\{([^}]+)\}", lambda match: values[match[1]], value["Fn::Sub"])
    return {key: resolve(item, values) for key, item in value.items()}


_NEGATED = {"StringNotEquals", "ArnNotEquals", "StringNotLike", "ArnNotLike"}


def _condition_holds(operator: str, key: str, expected, context: dict) -> bool:
    base = operator.removesuffix("IfExists")
    if key not in context:  # IAM: a missing key satisfies only ...IfExists and the negated operators
        return base != operator or base in _NEGATED
    actual, wanted = context[key], _listed(expected)
    if base in {"StringEquals", "ArnEquals", "ArnLike", "StringLike"}:
        return any(fnmatchcase(actual, pattern) for pattern in wanted)
    if base in _NEGATED:
        return not any(fnmatchcase(actual, pattern) for pattern in wanted)
    if base == "Bool":
        return any(actual.lower() == str(item).lower() for item in wanted)
    raise ValueError(f"the evaluator does not know {operator}")


def _applies(statement: dict, request: Request) -> bool:
    principal = statement["Principal"]
    if principal != "*" and request.principal not in _listed(principal.get("Service", [])) + _listed(
        principal.get("AWS", [])
    ):
        return False
    if not any(fnmatchcase(request.action.lower(), action.lower()) for action in _listed(statement["Action"])):
        return False
    # A trust policy has no Resource: the role it belongs to is the resource.
    if not any(fnmatchcase(request.resource, r) for r in _listed(statement.get("Resource", request.resource))):
        return False
    return all(
        _condition_holds(operator, key, expected, request.context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def allowed(statements: list[dict], request: Request) -> bool:
    """Whether the request succeeds under a resource policy's (resolved) statements."""
    matching = [statement["Effect"] for statement in statements if _applies(statement, request)]
    if "Deny" in matching:
        return False
    # An S3 ARN names no account: the request says whose the bucket is (aws:ResourceAccount).
    resource_account = request.resource.split(":")[4] or request.context.get("aws:ResourceAccount")
    same_account = request.context.get("aws:PrincipalAccount") == resource_account
    return "Allow" in matching or (request.identity_allows and same_account)
