# One Node-API module built by cmake-js: the shipped addon and the
# benchmark module are both made this way.
function(strongroom_node_module target output_name)
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX ".node" OUTPUT_NAME ${output_name})
  target_include_directories(${target} PRIVATE ${CMAKE_JS_INC})
  target_link_libraries(${target} PRIVATE strongroom_core ${CMAKE_JS_LIB})
  target_compile_definitions(${target} PRIVATE
    NAPI_VERSION=8
    NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS
    # Electron's V8 memory cage forbids ArrayBuffers over outside memory: make
    # the external-buffer APIs unavailable so none can creep in.
    NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED
  )
  # From cmake-js's README: generate node.lib for MSVC builds (once).
  get_property(node_lib_done GLOBAL PROPERTY STRONGROOM_NODE_LIB_DONE)
  if(MSVC AND CMAKE_JS_NODELIB_DEF AND CMAKE_JS_NODELIB_TARGET AND NOT node_lib_done)
    execute_process(COMMAND ${CMAKE_AR} /def:${CMAKE_JS_NODELIB_DEF} /out:${CMAKE_JS_NODELIB_TARGET} ${CMAKE_STATIC_LINKER_FLAGS})
    set_property(GLOBAL PROPERTY STRONGROOM_NODE_LIB_DONE TRUE)
  endif()
endfunction()
