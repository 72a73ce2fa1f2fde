"""Just enough of CloudFormation to use a template's definitions locally: its YAML short forms, and the intrinsic
functions Darkroom's template uses, evaluated with local parameter values and physical ids.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account, so ARNs built here match the ones moto hands out
NO_VALUE = object()


# ---------------------------------------------------------------- reading the template
class _TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short forms (!Ref, !GetAtt, !Sub, ...) turned into their long forms."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        return {name: value.split(".", 1) if tag_suffix == "GetAtt" else value}
    if isinstance(node, yaml.SequenceNode):
        return {name: loader.construct_sequence(node, deep=True)}
    return {name: loader.construct_mapping(node, deep=True)}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load(path: Path) -> dict:
    return yaml.load(path.read_text(), Loader=_TemplateLoader)  # a SafeLoader subclass: no arbitrary objects


def resources_of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


# ---------------------------------------------------------------- intrinsic functions, locally
@dataclass
class Resolver:
    """Evaluates the intrinsic functions the template uses, with local parameter values and physical ids."""

    template: dict
    stack_name: str
    parameters: dict[str, str]
    physical_ids: dict[str, str]  # logical id -> bucket name, queue URL, table name

    def __call__(self, value):
        if isinstance(value, list):
            return [item for item in (self(v) for v in value) if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (name, argument), *_ = value.items()
            if name == "Ref" or name.startswith("Fn::"):
                return self.intrinsic(name, argument)
        return {key: item for key, item in ((k, self(v)) for k, v in value.items()) if item is not NO_VALUE}

    def intrinsic(self, name: str, argument):
        if name == "Ref":
            return self.ref(argument)
        if name == "Fn::GetAtt":
            return self.get_att(*argument)
        if name == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            variables = {key: self(item) for key, item in variables.items()}
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(variables.get(m[1]) or self._sub_reference(m[1])), text)
        if name == "Fn::If":
            condition, when_true, when_false = argument
            return self(when_true if self.condition(condition) else when_false)
        if name == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in self(items))
        if name in {"Fn::Equals", "Fn::Not"}:
            return self.evaluate_condition({name: argument})
        raise ValueError(f"devstack does not evaluate {name}")

    def _sub_reference(self, reference: str):
        return self.get_att(*reference.split(".", 1)) if "." in reference else self.ref(reference)

    def ref(self, name: str):
        pseudo = {"AWS::StackName": self.stack_name, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
        if name == "AWS::NoValue":
            return NO_VALUE
        if name == "AWS::Partition":
            return "aws"
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise KeyError(f"{name} has no local value: provision it first")

    def get_att(self, logical_id: str, attribute: str) -> str:
        physical = self.ref(logical_id)
        if attribute == "Arn" and physical.startswith("http"):  # a queue URL: .../<account>/<name>
            return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{physical.rsplit('/', 1)[1]}"
        if attribute == "QueueName":
            return physical.rsplit("/", 1)[1]
        if attribute == "Arn" and self.template["Resources"][logical_id]["Type"] == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{physical}"
        raise ValueError(f"devstack does not resolve {logical_id}.{attribute}")

    def condition(self, name: str) -> bool:
        return self.evaluate_condition(self.template.get("Conditions", {})[name])

    def evaluate_condition(self, expression) -> bool:
        (name, argument), *_ = expression.items()
        if name == "Fn::Equals":
            left, right = (self(item) for item in argument)
            return left == right
        if name == "Fn::Not":
            return not self.evaluate_condition(argument[0])
        if name == "Condition":
            return self.condition(argument)
        raise ValueError(f"devstack does not evaluate the condition {name}")
