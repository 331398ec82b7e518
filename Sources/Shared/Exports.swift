// What every service builds on, through one import.
@_exported import HarmRankCore
@_exported import HarmRankKafka
