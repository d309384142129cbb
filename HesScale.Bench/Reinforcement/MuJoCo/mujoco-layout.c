// Prints the MuJoCo 2.2.2 struct offsets that MuJoCoLayout.cs declares, one "Name value" per line,
// so the C# constants can be checked against the headers (MuJoCoBindingTests compiles and runs it
// when gcc and libmujoco-dev are present):
//   gcc mujoco-layout.c -o mujoco-layout -lmujoco && ./mujoco-layout
#include <stddef.h>
#include <stdio.h>
#include <mujoco/mujoco.h>

#define P(name, value) printf("%s %ld\n", name, (long)(value))

int main(void) {
  P("Version", mj_version());
  P("ModelNq", offsetof(mjModel, nq));
  P("ModelNv", offsetof(mjModel, nv));
  P("ModelNu", offsetof(mjModel, nu));
  P("ModelNa", offsetof(mjModel, na));
  P("ModelNbody", offsetof(mjModel, nbody));
  P("ModelNjnt", offsetof(mjModel, njnt));
  P("ModelNgeom", offsetof(mjModel, ngeom));
  P("ModelNsite", offsetof(mjModel, nsite));
  P("ModelTimestep", offsetof(mjModel, opt.timestep));
  P("ModelIntegrator", offsetof(mjModel, opt.integrator));
  P("ModelQpos0", offsetof(mjModel, qpos0));
  P("ModelBodyMass", offsetof(mjModel, body_mass));
  P("ModelActuatorCtrlLimited", offsetof(mjModel, actuator_ctrllimited));
  P("ModelActuatorCtrlRange", offsetof(mjModel, actuator_ctrlrange));
  P("ModelActuatorGear", offsetof(mjModel, actuator_gear));
  P("DataWarning", offsetof(mjData, warning));
  P("WarningStatSize", sizeof(mjWarningStat));
  P("WarningStatNumber", offsetof(mjWarningStat, number));
  P("WarningCount", mjNWARNING);
  P("DataTime", offsetof(mjData, time));
  P("DataQpos", offsetof(mjData, qpos));
  P("DataQvel", offsetof(mjData, qvel));
  P("DataCtrl", offsetof(mjData, ctrl));
  P("DataXpos", offsetof(mjData, xpos));
  P("DataSiteXpos", offsetof(mjData, site_xpos));
  P("DataQfrcConstraint", offsetof(mjData, qfrc_constraint));
  P("DataCfrcExt", offsetof(mjData, cfrc_ext));
  P("VfsSize", sizeof(mjVFS));
  P("VfsFileData", offsetof(mjVFS, filedata));
  P("ObjectBody", mjOBJ_BODY);
  P("ObjectSite", mjOBJ_SITE);
  return 0;
}
