from rest_framework import serializers


class ProfileDoc(serializers.Serializer):
    username = serializers.CharField()
    bio = serializers.CharField(allow_null=True)
    image = serializers.CharField(allow_null=True)
    following = serializers.BooleanField()


class ProfileResponseDoc(serializers.Serializer):
    profile = ProfileDoc()
