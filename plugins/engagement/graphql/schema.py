import graphene

from .newsletter import NewsletterMutations, NewsletterQueries
from .statistics_queries import StatisticsQueries
from .support import SupportMutations, SupportQueries


class EngagementQueries(
    StatisticsQueries, NewsletterQueries, SupportQueries, graphene.ObjectType
):
    pass


class EngagementMutations(NewsletterMutations, SupportMutations, graphene.ObjectType):
    pass
