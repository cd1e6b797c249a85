import graphene

from .statistics_queries import StatisticsQueries


class EngagementQueries(StatisticsQueries, graphene.ObjectType):
    pass


class EngagementMutations(graphene.ObjectType):
    pass
