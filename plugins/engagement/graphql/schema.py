import graphene

from .newsletter import NewsletterMutations, NewsletterQueries
from .support import SupportMutations, SupportQueries


class EngagementQueries(NewsletterQueries, SupportQueries, graphene.ObjectType):
    pass


class EngagementMutations(NewsletterMutations, SupportMutations, graphene.ObjectType):
    pass
