namespace Extism.Sdk.Native;

// Typed stand-ins for libextism's opaque C types, so that signatures say which pointer goes
// where instead of passing IntPtr around. They have no fields: only pointers to them exist.

/// <summary><c>ExtismPlugin</c>.</summary>
internal struct NativePlugin { }

/// <summary><c>ExtismCompiledPlugin</c>.</summary>
internal struct NativeCompiledPlugin { }

/// <summary><c>ExtismFunction</c>.</summary>
internal struct NativeFunction { }

/// <summary><c>ExtismCurrentPlugin</c>: only valid inside a host-function callback.</summary>
internal struct NativeCurrentPlugin { }

/// <summary><c>ExtismCancelHandle</c>: lives inside its plug-in.</summary>
internal struct NativeCancelHandle { }
