import graphene
from django.core.exceptions import ValidationError
from saleor.graphql.core.types.common import Error

from ..error_codes import ChannelErrorCode
from ..sso import SignInRefused

ChannelErrorCodeEnum = graphene.Enum.from_enum(ChannelErrorCode)


class ChannelError(Error):
    code = ChannelErrorCodeEnum(description="The error code.", required=True)


def refusal_error(refusal: SignInRefused, field: str = "token") -> ValidationError:
    return ValidationError({field: ValidationError(refusal.message, code=refusal.code)})
