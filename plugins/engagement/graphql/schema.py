import graphene


class EngagementQueries(graphene.ObjectType):
    pass


class EngagementMutations(graphene.ObjectType):
    pass
