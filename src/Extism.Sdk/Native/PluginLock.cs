// One lock per plug-in. System.Threading.Lock where it exists (.NET 9+), a plain object before.
#if NET9_0_OR_GREATER
global using PluginLock = System.Threading.Lock;
#else
global using PluginLock = System.Object;
#endif
