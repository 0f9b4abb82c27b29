"""Condition keys the Service Authorization Reference data leaves out, with their data types.

The data behind ``actions.json.gz`` lists service keys only, so the global ``aws:`` keys are kept here
by hand from the IAM User Guide page *AWS global condition context keys* (D-GKEYS in iam-reference.md),
with the web identity claim keys the STS key page documents (D-STSKEYS) where the data lacks or
mistypes them. Types use the reference's spelling; ``ArrayOf…`` marks a multivalued key.
"""

from __future__ import annotations

# Exact keys, lower-cased, with their documented type. [D-GKEYS] (H for the keys named in
# iam-reference.md §3.1–3.3; M for the rest, read from the same page.)
GLOBAL_KEY_TYPES: dict[str, str] = {
    # Properties of the principal (§3.1)
    "aws:principalarn": "ARN",
    "aws:principalaccount": "String",
    "aws:principalorgid": "String",
    "aws:principalorgpaths": "ArrayOfString",
    "aws:principalisawsservice": "Bool",
    "aws:principalservicename": "String",
    "aws:principalservicenameslist": "ArrayOfString",
    "aws:principaltype": "String",
    "aws:userid": "String",
    "aws:username": "String",
    # Properties of a role session (§3.1)
    "aws:assumedroot": "Bool",
    "aws:federatedprovider": "String",
    "aws:tokenissuetime": "Date",
    "aws:multifactorauthage": "Numeric",
    "aws:multifactorauthpresent": "Bool",
    "aws:chatbotsourcearn": "ARN",
    "aws:ec2instancesourcevpc": "String",
    "aws:ec2instancesourceprivateipv4": "IPAddress",
    "aws:sourceidentity": "String",
    # Network properties (§3.2)
    "aws:sourceip": "IPAddress",
    "aws:sourcevpc": "String",
    "aws:sourcevpce": "String",
    "aws:vpcsourceip": "IPAddress",
    # Properties of the resource (§3.2)
    "aws:resourceaccount": "String",
    "aws:resourceorgid": "String",
    "aws:resourceorgpaths": "ArrayOfString",
    # Properties of the request (§3.2)
    "aws:calledvia": "ArrayOfString",
    "aws:calledviafirst": "String",
    "aws:calledvialast": "String",
    "aws:viaawsservice": "Bool",
    "aws:currenttime": "Date",
    "aws:epochtime": "Date",
    "aws:referer": "String",
    "aws:requestedregion": "String",
    "aws:tagkeys": "ArrayOfString",
    "aws:securetransport": "Bool",
    "aws:sourceaccount": "String",
    "aws:sourcearn": "ARN",
    "aws:sourceorgid": "String",
    "aws:sourceorgpaths": "ArrayOfString",
    "aws:useragent": "String",
    # GitHub Actions OIDC claims usable in trust policies (§3.3 D-STSKEYS (H)); the other claims of
    # that provider (repository, ref, actor…) are in the reference data.
    "token.actions.githubusercontent.com:sub": "String",
    "token.actions.githubusercontent.com:aud": "String",
    # Cognito's amr claim lists several values ("authenticated", the provider…); the reference data
    # types it String, but AWS's own examples test it with ForAnyValue (§3.3 D-STSKEYS (H)).
    "cognito-identity.amazonaws.com:amr": "ArrayOfString",
}

# Keys with a tag-key part after the slash, as (lower-cased prefix, type). [D-GKEYS] (H)
GLOBAL_KEY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("aws:principaltag/", "String"),
    ("aws:requesttag/", "String"),
    ("aws:resourcetag/", "String"),
)
